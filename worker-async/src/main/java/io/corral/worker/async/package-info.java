/**
 * The {@code async} worker model: NIO selector event loops that never block. A few loop threads
 * hold thousands of connections; a request that waits on an external call holds a future, not a
 * thread. It is also Corral's fastest path for short requests.
 *
 * <pre>
 *   Arbiter ── listener (shared, non-blocking)
 *      │
 *      └── AsyncWorker ── EventLoop: one platform thread, one selector, never blocks
 *                            ├─ Acceptor     accepts below worker_connections (else backlog or 503)
 *                            ├─ MPSC tasks   completions from any thread (+ wake-up if asleep)
 *                            ├─ TimerWheel   one deadline per connection
 *                            ├─ OffloadPool  offload_threads threads for blocking work
 *                            │
 *                            └─ Connection (per client; holds no buffer while idle)
 *                                  ├─ Transport  the socket, or TLS after the PROXY stage: every read and write
 *                                  └─ Exchange (one request at a time; pipelined ones wait)
 *                                       ├─ RequestBody   socket → decoder → ≤ 64 KiB → handler, as it reads
 *                                       ├─ AsyncHandler  on the loop: stage → MPSC → loop
 *                                       │  or Handler    on the OffloadPool: result → MPSC → loop
 *                                       └─ response: fixed body, head + body gathered → socket
 *                                          or streamed: BodyWriter (offload thread) → StreamOutput
 *                                          (≤ 64 KiB queued) → StreamedResponse (loop) → socket
 * </pre>
 *
 * <h2>Threading</h2>
 *
 * Each worker is one {@link io.corral.worker.async.EventLoop}: a platform thread that owns a
 * selector, its connections and everything they hold. Nothing on the loop blocks: it reads and
 * writes in non-blocking mode, parses with core's shared codec (so every worker model has the same
 * strictness and limits), and calls an {@link io.corral.http.AsyncHandler} in place. Other threads
 * (a stage completing, an offload thread returning, a body writer that queued bytes) reach the loop
 * only through a JCTools MPSC queue of tasks ({@code MpscUnboundedAtomicArrayQueue}, the flavour
 * built on field updaters rather than {@code sun.misc.Unsafe}, which JDK 24 and later warn about).
 * The selector is woken only when the loop may be asleep in {@code select}, which keeps hand-offs
 * cheap under load. The queue holds at most a few tasks per exchange in flight, so it is bounded by
 * {@code worker_connections} in practice.
 *
 * <p>A blocking {@link io.corral.http.Handler} never runs on the loop: it is offloaded to the
 * worker's pool of {@code offload_threads} non-daemon platform threads. Admission is counted by the
 * loop: at most {@code offload_threads} run, up to four times as many wait, and a request beyond
 * that is answered {@code 503} with {@code Retry-After}. Hooks ({@code preRequest}, {@code
 * postRequest}) and the access log run on the loop, so they must not block.
 *
 * <h2>Request bodies</h2>
 *
 * The handler runs as soon as the head is parsed, and the body streams to it through a {@link
 * io.corral.worker.async.RequestBody}: the loop decodes what the socket brings (core's {@code
 * BodyDecoder}) into a buffer of at most 64 KiB per exchange, reading no more from the socket than
 * the buffer has room for, and stops reading (no {@code OP_READ}) once less than 16 KiB of room is
 * left, until the handler has consumed half of it. A client that sends faster than the handler
 * consumes is held back by TCP; a body is never held whole unless the handler asks for it whole.
 *
 * <ul>
 *   <li>A blocking {@link io.corral.http.Handler} on the offload pool (or an {@code AsyncHandler}
 *       reading on a thread of its own) reads {@link io.corral.http.Request#body()}: its thread
 *       parks on the buffer's {@code Condition} while it is empty, and the loop signals it as bytes
 *       arrive. Its first read, each wait, and the room it frees after the loop stopped reading are
 *       handed to the loop as tasks.
 *   <li>An {@link io.corral.http.AsyncHandler} consumes it with {@link
 *       io.corral.http.Request#bodyBytesAsync()} or {@link io.corral.http.Request#bodyPublisher()}:
 *       every signal runs on the loop as bytes arrive and demand allows, and never blocks it. Read
 *       on the loop, {@code Request.body()} gives what has arrived, and throws {@link
 *       IllegalStateException} rather than wait.
 * </ul>
 *
 * The rules are the blocking engine's, so every model behaves the same: {@code 100 Continue} goes
 * out when the handler first asks for the body (never when it does not); each wait of the handler
 * for body bytes is bounded by {@code header_timeout} ({@code 408}); a body cut short is {@code
 * 400}, bad framing {@code 400}, more than {@code limit_request_body} {@code 413} (an endless
 * chunked body is refused at the limit, holding at most the buffer); the handler meets these as a
 * {@link io.corral.http.BadMessageException} from its read (or as its subscriber's {@code onError})
 * and the client gets that status ({@link io.corral.internal.server.ExchangeRules#clientError}).
 * After the response, what the handler left unread is read and dropped so that the connection can
 * carry the next request: at most 64 KiB (with what was left in the buffer), each wait bounded by
 * {@code header_timeout}; a larger rest, a stalled one, or a client that waits for a {@code 100
 * Continue} it was never sent, closes the connection.
 *
 * <h2>Responses and back-pressure</h2>
 *
 * The head is encoded into the loop's one {@link io.corral.internal.http.ResponseEncoder}. A fixed
 * body goes out from the loop with the head in one gathering write, without being copied; what the
 * socket does not take at once waits for {@code OP_WRITE}, holding a reference to the response's
 * own array. A streamed body ({@link io.corral.http.BodyWriter}) runs on the offload pool and
 * writes to a {@link io.corral.worker.async.StreamOutput} that frames and copies its bytes into a
 * queue the loop drains as the socket allows; the writer blocks while 64 KiB or more wait, so a
 * client that never reads holds one offload thread and about 80 KiB of the server's memory, never
 * more. Large heap buffers are written in 256 KiB slices, so the JDK's temporary direct buffer per
 * write stays small.
 *
 * <h2>TLS</h2>
 *
 * With {@code certfile} (or {@code keystore}) set, every connection speaks TLS once its PROXY
 * protocol stage (if on) is over: a connection reads and writes through core's {@link
 * io.corral.internal.server.Transport}, the socket itself or a {@link
 * io.corral.internal.server.TlsTransport} (a non-blocking {@link javax.net.ssl.SSLEngine} that drives
 * the handshake inside its reads and writes). The loop stays non-blocking and the exchange rules do
 * not change; what TLS adds is confined to the connection:
 *
 * <ul>
 *   <li><b>Interest.</b> A TLS read may have to write (a handshake message) and a write may have to
 *       read; each side keeps what its last stalled call asked the transport for, the key selects
 *       the union, and any readiness drives both sides.
 *   <li><b>Bytes inside the transport.</b> The transport unwraps one record per read, so the
 *       connection reads on while the transport holds bytes it took from the socket (up to 64 KiB
 *       per turn, then the others' turn), and wherever reading resumes (room in the body buffer, the
 *       next request, a body to drain) it reads what the transport holds at once, since no {@code
 *       OP_READ} tells of it. On the way out the transport may take bytes and hold them when the socket is full: a
 *       response counts as sent (and the exchange ends) only once the transport is flushed, so
 *       back-pressure and the {@code OP_WRITE} wait are as for plain bytes.
 *   <li><b>Delegated tasks</b> (certificate checks, key exchange) never run on the loop: the JVM's
 *       pool of TLS task threads ({@code corral-tls-task-N}, {@link
 *       io.corral.internal.server.TlsTasks}) runs them while the key selects nothing and the loop
 *       leaves the transport alone, then hands the connection back through {@link
 *       io.corral.worker.async.EventLoop#execute}.
 *   <li><b>Endings.</b> {@code header_timeout} from accept covers the handshake (a client that stalls
 *       in it is closed, costing no thread); a lingering close sends {@code close_notify} as it shuts
 *       the output, then reads and drops raw bytes; plain HTTP sent to the TLS port gets a plain
 *       {@code 400}; a client refused for want of room ({@code overload_policy=reject}) could not read
 *       a {@code 503} without a handshake, so it is closed cleanly (output shut, what it sent read and
 *       dropped) instead.
 * </ul>
 *
 * A plain connection pays for none of it: one small object at accept, and reads and writes through an
 * interface call that sees two classes at most. Memory per TLS connection adds the engine's session
 * and, only while they hold bytes, up to three buffers of about 17 KiB (network bytes in and out,
 * decrypted bytes not yet read), and a spare write buffer while it is busy; an idle keep-alive
 * connection holds none of them ({@code TlsTransport.idle()} between requests).
 *
 * <h2>Timers</h2>
 *
 * Each loop has one {@link io.corral.internal.server.TimerWheel}: a hashed timing wheel (10 ms ticks,
 * 512 slots) whose entries are the connections themselves. A connection has one deadline at a time
 * and its meaning follows what it waits for: its first head ({@code header_timeout} from accept),
 * the next request ({@code keepalive} after a response), the rest of a head ({@code
 * header_timeout} from its first byte: {@code 408}, or a quiet close if nothing came), the response
 * ({@code timeout} from the head) or, if earlier, the end of the handler's wait for body bytes
 * ({@code header_timeout} per wait: {@code 408}), the rest of an unread body after the response
 * ({@code header_timeout} per wait: a close) or the end of a lingering close (one second). Re-arming is O(1) and allocates nothing, and no cancelled entries
 * pile up. The loop selects until the next occupied slot comes due, at most a second and at most a
 * quarter of {@code timeout}, and beats the Arbiter's heartbeat on every turn.
 *
 * <p>A request past {@code timeout} is aborted by its loop (this worker does not use the Arbiter's
 * watch): an {@code AsyncHandler}'s stage is cancelled, an offloaded handler or body writer is
 * interrupted and its thread abandoned (its slot is free at once, so a handler that ignores
 * interrupts costs a thread, not capacity); the client gets {@code 504} if nothing was sent, else
 * the connection closes; {@link io.corral.Hooks#requestAborted} hears of it with the offload
 * thread's stack, or with an empty stack and the loop's name for a stage.
 *
 * <h2>Limits, pipelining, memory</h2>
 *
 * A loop holds at most {@code worker_connections} connections. A full loop stops selecting for
 * {@code OP_ACCEPT}, so the kernel's backlog holds new clients; with {@code overload_policy=reject}
 * it accepts them and answers {@code 503} with {@code Retry-After}, then closes. Error responses
 * end with a lingering close (shut the output down, read and drop up to 64 KiB for up to a second,
 * close), without blocking the loop.
 *
 * <p>Pipelined requests are answered in order: while an exchange runs, its connection reads only
 * for the exchange's body, and the bytes of the next request that came with the current one are
 * kept and parsed once the response has been handed to the socket (and the body drained). An idle
 * keep-alive connection holds no buffer, parser or exchange: reads land in the loop's 64 KiB
 * buffer, and a connection keeps bytes of its own only while a head is incomplete (inside the
 * parser), while its exchange's body buffer holds bytes, or while a pipelined request waits.
 *
 * <p>Worst case per connection for a request body, whatever {@code limit_request_body} says: the
 * body buffer, at most 64 KiB ({@code RequestBody.MAX_BUFFERED}; a body with a smaller {@code
 * Content-Length} gets a buffer of that length, a chunked one starts at 8 KiB), plus the bytes of
 * pipelined requests that came with it (at most one 64 KiB read, as before bodies streamed), plus
 * the chunk decoder's line (at most 4 KiB) and its trailers (bounded like a head by {@code
 * limit_request_head}). While the body streams the loop reads
 * no more than the buffer has room for, so the buffer and the kept bytes together stay within 64 KiB
 * until a pipelined request is parsed out of them. A handler that asks for the body whole ({@code
 * bodyBytesAsync}, {@code bodyBytes}) holds up to {@code limit_request_body} of its own.
 *
 * <h2>Stopping</h2>
 *
 * {@code shutdown} stops accepting and answers every request that reaches the loop (in flight, on
 * a kept-alive connection, or from a client the Arbiter took from the backlog and handed over with
 * {@code adopt}) with {@code Connection: close}; an idle connection closes when its keepalive runs
 * out, not under a client that may be sending on it. The loop ends when its last connection has
 * closed and no adopted client is on its way. {@code abort}
 * works even while a handler blocks the loop thread (which the Arbiter detects by its silent
 * heartbeat, dumps and replaces): it closes the sockets and the selector from the calling thread,
 * interrupts the loop and offload threads, and the worker counts as terminated once its sockets
 * are closed, whether or not the stuck thread ever returns.
 */
package io.corral.worker.async;
