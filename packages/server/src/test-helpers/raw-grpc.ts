import http2 from 'node:http2';

/** What came back from a hand-made gRPC request. */
export interface RawGrpcReply {
  httpStatus: number | undefined;
  /** grpc-status from the trailers (or a trailers-only reply); undefined when none arrived. */
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
}

/** A gRPC length-prefixed frame: flag byte 0 (not compressed), a big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array, claimedLength = message.length): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([header, message]);
}

/**
 * Sends exactly the given bytes as the body of one gRPC call over HTTP/2 + TLS, without
 * any gRPC library in between, so a test can feed the server what no client would send.
 */
export async function rawGrpcCall(options: {
  port: number;
  path: string;
  body: Buffer;
  caPem: string;
  keyPem?: string;
  certificatePem?: string;
  /** false: leave the request open after the body, as a peer still "sending" would. */
  endStream?: boolean;
  timeoutMs?: number;
}): Promise<RawGrpcReply> {
  const session = http2.connect(`https://127.0.0.1:${options.port}`, {
    ca: options.caPem,
    ...(options.keyPem ? { key: options.keyPem } : {}),
    ...(options.certificatePem ? { cert: options.certificatePem } : {}),
    checkServerIdentity: () => undefined,
  });
  session.on('error', () => undefined);
  const reply: RawGrpcReply = { httpStatus: undefined, grpcStatus: undefined, grpcMessage: undefined };
  const readStatus = (headers: http2.IncomingHttpHeaders) => {
    const status = headers['grpc-status'];
    if (status !== undefined) reply.grpcStatus = Number(status);
    const message = headers['grpc-message'];
    if (typeof message === 'string') reply.grpcMessage = decodeURIComponent(message);
  };
  try {
    return await new Promise<RawGrpcReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply from ${options.path} within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000);
      const stream = session.request({
        ':method': 'POST',
        ':path': options.path,
        'content-type': 'application/grpc+proto',
        te: 'trailers',
      });
      const done = () => {
        clearTimeout(timer);
        resolve(reply);
      };
      stream.on('response', (headers) => {
        reply.httpStatus = Number(headers[':status']);
        readStatus(headers);
        // A trailers-only reply carries the status in the headers and ends there.
        if (reply.grpcStatus !== undefined) done();
      });
      stream.on('trailers', (trailers) => {
        readStatus(trailers);
        done();
      });
      stream.on('data', () => undefined);
      // A server that answered early may stop reading the rest of a large body (flow
      // control then stalls our upload) or reset the stream: its status is what counts.
      stream.on('error', () => undefined);
      stream.on('close', done);
      if (options.endStream === false) stream.write(options.body);
      else stream.end(options.body);
    });
  } finally {
    session.destroy();
  }
}
