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
        segments = []
        for start, end, pcm in speech_regions(w.readframes(w.getnframes())):
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            words = words_of(decoder, start)
            if not words:
                continue
            segments.append({
                "start": round(start, 3),
                "end": round(min(end, duration), 3),
                "text": " ".join(w["word"] for w in words),
                "words": words,
            })
    return {"duration": round(duration, 3), "segments": segments}


def speech_regions(pcm):
    """(start, end, pcm) of each speech region the voice activity detector finds, the last included.

    Segmenter.segment() ends the stream only on a short last read: audio that is a whole number of
    frames long and still voiced at its end (speech up to the last moment, or a tail of silence
    shorter than the detector's window) lost its last region. Here the last frame always ends it.
    """
    segmenter = Segmenter(sample_rate=SAMPLE_RATE)
    size = segmenter.frame_bytes
    frames = [pcm[i:i + size] for i in range(0, len(pcm), size)]
    voiced = []
    for index, frame in enumerate(frames):
        last = index == len(frames) - 1
        speech = segmenter.end_stream(frame) if last or len(frame) < size else segmenter.process(frame)
        if speech is not None:
            voiced.append(speech)
            if not segmenter.in_speech or last:
                yield segmenter.speech_start, segmenter.speech_end, b"".join(voiced)
                voiced = []


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
