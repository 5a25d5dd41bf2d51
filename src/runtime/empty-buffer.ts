/**
 * The one empty Buffer that empty bodies, drained queues and whole-head remainders share: a
 * zero-length Buffer made per request costs an object on the request path, and one of no bytes
 * cannot be written to.
 */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
