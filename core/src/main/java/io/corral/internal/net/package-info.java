/**
 * Where a connection and its requests come from, read fail-closed: the PROXY protocol decoder
 * ({@link io.corral.internal.net.ProxyProtocolDecoder}), the forwarded-header resolver ({@link
 * io.corral.internal.net.Forwarding}) and strict IP literals ({@link
 * io.corral.internal.net.IpAddresses}), none of which ever looks a name up. Internal: exported to
 * the worker modules only; {@link io.corral.internal.server.ConnectionOrigin} is what the engines
 * call.
 */
package io.corral.internal.net;
