import { EMPTY_PAYLOAD_SHA256, amzDate, sha256Hex, signRequest, signingKey, uriEncode, uriEncodePath } from './sigv4';

/*
 * Vectors published by AWS, copied verbatim:
 * - "get-vanilla" and "get-vanilla-query-order-key-case" from the Signature Version 4 test suite
 *   (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html; the same files live in
 *   awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<name>/).
 * - "GET Object", "PUT Object" and "GET Bucket (List Objects)" from Amazon S3's API reference,
 *   "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
 *   (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
 */
const SUITE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_SCOPE = { region: 'us-east-1', service: 'service' };
const S3_DOCS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const S3_SCOPE = { region: 'us-east-1', service: 's3' };

describe('SigV4 signer against AWS published vectors', () => {
  it('get-vanilla', () => {
    const signed = signRequest(
      { method: 'GET', path: '/', headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' }, payloadHash: EMPTY_PAYLOAD_SHA256 },
      SUITE,
      SUITE_SCOPE,
    );
    // get-vanilla.creq
    expect(signed.canonicalRequest).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    // get-vanilla.sts
    expect(signed.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
    // get-vanilla.authz
    expect(signed.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('get-vanilla-query-order-key-case: the query is sorted by encoded name', () => {
    const signed = signRequest(
      {
        method: 'GET',
        path: '/',
        query: [['Param2', 'value2'], ['Param1', 'value1']],
        headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      SUITE,
      SUITE_SCOPE,
    );
    expect(signed.canonicalRequest.split('\n')[2]).toBe('Param1=value1&Param2=value2');
    expect(signed.signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('S3 "GET Object" with a Range header', () => {
    const signed = signRequest(
      {
        method: 'GET',
        path: '/test.txt',
        headers: {
          Host: 'examplebucket.s3.amazonaws.com',
          Range: 'bytes=0-9',
          'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
          'x-amz-date': '20130524T000000Z',
        },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      S3_DOCS,
      S3_SCOPE,
    );
    expect(sha256Hex(signed.canonicalRequest)).toBe('7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
    expect(signed.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('S3 "PUT Object": a signed payload and a key with a character to encode', () => {
    const payloadHash = sha256Hex('Welcome to Amazon S3.');
    expect(payloadHash).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const signed = signRequest(
      {
        method: 'PUT',
        path: uriEncodePath('/test$file.text'),
        headers: {
          Host: 'examplebucket.s3.amazonaws.com',
          Date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-date': '20130524T000000Z',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': payloadHash,
        },
        payloadHash,
      },
      S3_DOCS,
      S3_SCOPE,
    );
    expect(signed.canonicalRequest.split('\n')[1]).toBe('/test%24file.text');
    expect(signed.signedHeaders).toBe('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class');
    expect(signed.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('S3 "GET Bucket (List Objects)": query parameters signed', () => {
    const signed = signRequest(
      {
        method: 'GET',
        path: '/',
        query: [['max-keys', '2'], ['prefix', 'J']],
        headers: { Host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256, 'x-amz-date': '20130524T000000Z' },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      S3_DOCS,
      S3_SCOPE,
    );
    expect(signed.signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('SigV4 pieces', () => {
  it('derives the signing key of AWS\'s worked example', () => {
    // "Derive a signing key" example: 20150830 / us-east-1 / iam.
    expect(signingKey(SUITE.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  it('encodes everything but the unreserved characters, as UTF-8 bytes', () => {
    expect(uriEncode('a b+c/d~e_f.g-h')).toBe('a%20b%2Bc%2Fd~e_f.g-h');
    expect(uriEncodePath('/accounts/ação/x y.wav')).toBe('/accounts/a%C3%A7%C3%A3o/x%20y.wav');
  });

  it('formats x-amz-date in the basic ISO 8601 form', () => {
    expect(amzDate(new Date('2015-08-30T12:36:00.123Z'))).toBe('20150830T123600Z');
  });

  it('a different secret, path or header gives a different signature', () => {
    const base = { method: 'GET', path: '/', headers: { Host: 'h', 'X-Amz-Date': '20150830T123600Z' }, payloadHash: EMPTY_PAYLOAD_SHA256 };
    const reference = signRequest(base, SUITE, SUITE_SCOPE).signature;
    expect(signRequest(base, { ...SUITE, secretAccessKey: 'other' }, SUITE_SCOPE).signature).not.toBe(reference);
    expect(signRequest({ ...base, path: '/x' }, SUITE, SUITE_SCOPE).signature).not.toBe(reference);
    expect(signRequest({ ...base, headers: { ...base.headers, Host: 'g' } }, SUITE, SUITE_SCOPE).signature).not.toBe(reference);
  });

  it('refuses to sign without host or a well-formed x-amz-date', () => {
    expect(() => signRequest({ method: 'GET', path: '/', headers: { Host: 'h' }, payloadHash: '' }, SUITE, SUITE_SCOPE)).toThrow(/x-amz-date/);
    expect(() => signRequest({ method: 'GET', path: '/', headers: { 'x-amz-date': '20150830T123600Z' }, payloadHash: '' }, SUITE, SUITE_SCOPE)).toThrow(/host/);
  });
});
