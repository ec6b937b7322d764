"""Speech recognition for recado's OpenAI simulator, with pocketsphinx's US-English model.

A long-lived worker: it loads the model once, then reads one JSON request per line on stdin,
{"id": "...", "path": "/tmp/x.wav"} (16 kHz, mono, 16-bit PCM WAV), and answers one JSON line
on stdout: {"id", "duration", "segments": [{"start", "end", "text", "words": [{"word", "start",
"end"}]}]} or {"id", "error"}. Segments are the speech regions pocketsphinx's voice
activity detector finds; each is decoded on its own, so its words carry times in the file.
"""
import json
import re
import sys
import wave

from pocketsphinx import Decoder, Segmenter, set_loglevel

SAMPLE_RATE = 16000
# Pocketsphinx marks silence, noise and sentence bounds with tokens like <sil>, [NOISE], <s>.
FILLER = re.compile(r"^(<.*>|\[.*\])$")
# Alternative pronunciations come back as "word(2)".
VARIANT = re.compile(r"\(\d+\)$")


def words_of(decoder, offset):
    frate = decoder.config["frate"]
    words = []
    for seg in decoder.seg():
        if FILLER.match(seg.word):
            continue
        words.append({
            "word": VARIANT.sub("", seg.word),
            "start": round(offset + seg.start_frame / frate, 3),
            "end": round(offset + (seg.end_frame + 1) / frate, 3),
        })
    return words


def recognise(decoder, path):
    with wave.open(path, "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError("expected 16 kHz mono 16-bit PCM")
        duration = w.getnframes() / SAMPLE_RATE
        segmenter = Segmenter(sample_rate=SAMPLE_RATE)
        segments = []
        for region in segmenter.segment(w.getfp()):
            decoder.start_utt()
            decoder.process_raw(region.pcm, full_utt=True)
            decoder.end_utt()
            words = words_of(decoder, region.start_time)
            if not words:
                continue
            segments.append({
                "start": round(region.start_time, 3),
                "end": round(min(region.end_time, duration), 3),
                "text": " ".join(w["word"] for w in words),
                "words": words,
            })
    return {"duration": round(duration, 3), "segments": segments}


def main():
    set_loglevel("FATAL")
    decoder = Decoder(samprate=SAMPLE_RATE)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            answer = recognise(decoder, request["path"])
            answer["id"] = request_id
        except Exception as error:  # one bad file must not end the worker
            answer = {"id": request_id, "error": str(error)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
