import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ERROR_SCHEMA } from '../../common/openapi-contract';
import type { RecordingDownload } from './recording-download.service';

const AUDIO = { 'audio/wav': { schema: { type: 'string', format: 'binary' } } };
const RANGE_HEADERS = {
  'Accept-Ranges': { schema: { type: 'string', enum: ['bytes'] } },
  ETag: { schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string', enum: ['private, no-store'] } },
};

/** What every route that serves a recording's bytes accepts and answers (the download, the playback links). */
export function ApiRecordingBytes() {
  return applyDecorators(
    ApiProduces('audio/wav'),
    ApiHeader({
      name: 'Range',
      required: false,
      schema: { type: 'string' },
      description: 'One byte range (RFC 9110 §14): bytes=0-99, bytes=500- or bytes=-500; other values are ignored (the whole file)',
    }),
    ApiHeader({ name: 'If-Range', required: false, schema: { type: 'string' }, description: 'The ETag: the range only if the file is still that one' }),
    ApiResponse({ status: 200, description: 'The whole file', content: AUDIO, headers: { ...RANGE_HEADERS, 'Content-Length': { schema: { type: 'integer' } } } }),
    ApiResponse({
      status: 206,
      description: 'The requested range',
      content: AUDIO,
      headers: { ...RANGE_HEADERS, 'Content-Range': { schema: { type: 'string', pattern: '^bytes [0-9]+-[0-9]+/[0-9]+$' } } },
    }),
    ApiResponse({
      status: 416,
      description: 'The range lies outside the file; Content-Range: bytes */<size> says its size',
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } },
      headers: { 'Content-Range': { schema: { type: 'string', pattern: '^bytes \\*/[0-9]+$' } } },
    }),
  );
}

/** Sends what RecordingDownloadService decided; a 416 explains itself in the error body. */
export function sendRecording(reply: FastifyReply, result: RecordingDownload, range: string | undefined) {
  void reply.status(result.status).headers(result.headers);
  if (result.status === 416) {
    return reply.send({
      statusCode: 416,
      error: 'Range Not Satisfiable',
      message: `Range: ${range ?? ''} lies outside the recording's ${result.headers['content-range'].split('/')[1]} bytes`,
      field: 'Range',
    });
  }
  return reply.send(result.body ?? Buffer.alloc(0));
}
