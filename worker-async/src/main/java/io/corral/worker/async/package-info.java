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
 *                                  └─ Exchange (one request at a time; pipelined ones wait)
 *                                       ├─ RequestBody   read whole before the handler runs
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
 * The loop reads the whole request body into memory before the handler runs, bounded by {@code
 * limit_request_body} ({@code 413} beyond it; with the limit off, a body is only bounded by what
 * fits an array), and {@link io.corral.http.Request#body()} is an in-memory stream over it. So the
 * handler never blocks on the network, and on the loop it cannot. Each wait for body bytes is
 * bounded by {@code header_timeout} ({@code 408}). Because the loop reads the body itself, a client
 * that sent {@code Expect: 100-continue} and holds its body back gets {@code 100 Continue} as soon
 * as the head arrives, whether or not the handler will read the body. The body buffer starts small
 * and doubles as bytes arrive, so a client that announces a large body and sends little costs
 * little.
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
 * <h2>Timers</h2>
 *
 * Each loop has one {@link io.corral.internal.server.TimerWheel}: a hashed timing wheel (10 ms ticks,
 * 512 slots) whose entries are the connections themselves. A connection has one deadline at a time
 * and its meaning follows what it waits for: its first head ({@code header_timeout} from accept),
 * the next request ({@code keepalive} after a response), the rest of a head ({@code
 * header_timeout} from its first byte: {@code 408}, or a quiet close if nothing came), body bytes
 * ({@code header_timeout} per wait), the response ({@code timeout} from the head) or the end of a
 * lingering close (one second). Re-arming is O(1) and allocates nothing, and no cancelled entries
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
 * <p>Pipelined requests are answered in order: while an exchange runs, its connection stops
 * reading, and the bytes of the next request that came with the current one are kept and parsed
 * once the response has been handed to the socket. An idle keep-alive connection holds no buffer,
 * parser or exchange: reads land in the loop's 64 KiB buffer, and a connection keeps bytes of its
 * own only while a head or body is incomplete (inside the parser) or a pipelined request waits.
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
