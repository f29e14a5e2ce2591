/**
 * The one HTTP/1.1 codec every worker model shares, so that each has the same strictness and
 * limits. Not exported to applications.
 *
 * <pre>
 *   bytes from the socket (any split, one byte at a time included)
 *        │
 *        ▼
 *   RequestParser ── LineReader (a line in place, or copied once when it spans reads;
 *        │                        refused as soon as it outgrows its limit)
 *        │          └─ FieldLine  (name: value, shared by headers and trailers)
 *        ▼
 *   RequestHead (method, target, version, headers, framing, keep-alive, 100-continue)
 *        │
 *        ▼
 *   BodyDecoder (Content-Length or chunked, with extensions, trailers and the body limit)
 *
 *   Response ──► ResponseEncoder (status line, headers, Date/Server, framing, Connection)
 *        └─────► ResponseBodies  (the body, written through Response's registered access)
 * </pre>
 *
 * <p>The parser and decoder are incremental and allocate nothing per byte: they scan the buffer
 * they are given, keep only an incomplete line, and leave pipelined bytes in place. Every refusal
 * is a {@link io.corral.http.BadMessageException} carrying the status to answer (400, 408, 413,
 * 414, 417, 431, 501, 505); the connection then closes. The rules, and where Corral is stricter
 * or more precise than gunicorn, are listed in the README's HTTP/1.1 section and pinned by the
 * table in {@code RequestCases}.
 *
 * <p>Every class here is confined to the one thread (or event loop) serving a connection.
 */
package io.corral.internal.http;
