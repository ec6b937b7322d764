import { WAV_HEADER_BYTES } from '../../media/wav';

/**
 * A recording bigger than the transcription API takes in one upload (25 MB) is sent in parts:
 * byte ranges of its samples, each made a WAV file of its own, each below the limit. Parts are
 * cut on whole samples so every part starts where the previous one ended.
 */

/** Room left under the limit for the multipart envelope around the file. */
const MULTIPART_MARGIN_BYTES = 64 * 1024;

export interface AudioPart {
  index: number;
  /** byte range of the samples within the file's data (after its header) */
  dataStart: number;
  dataEnd: number;
  /** where the part starts within the recording */
  offsetMs: number;
}

export interface PcmLayout {
  dataBytes: number;
  sampleRate: number;
  channels: number;
}

export function splitForUpload(audio: PcmLayout, maxUploadBytes: number): AudioPart[] {
  const frameBytes = audio.channels * 2;
  const room = maxUploadBytes - WAV_HEADER_BYTES - MULTIPART_MARGIN_BYTES;
  const perPart = Math.floor(room / frameBytes) * frameBytes;
  if (perPart <= 0) throw new Error(`an upload limit of ${maxUploadBytes} bytes leaves no room for audio`);
  const parts: AudioPart[] = [];
  for (let start = 0, index = 0; start < audio.dataBytes || index === 0; start += perPart, index++) {
    const end = Math.min(audio.dataBytes, start + perPart);
    parts.push({ index, dataStart: start, dataEnd: end, offsetMs: Math.round((start / frameBytes / audio.sampleRate) * 1000) });
    if (end === audio.dataBytes) break;
  }
  return parts;
}
