/**
 * The Thrift side: the service handler, token auth, request decoding and limits, result
 * encoding, connection accounting. Turns the wire's structs into {@code ops.EditOrder}s and
 * back. May use {@code ops}, {@code jobs}, {@code image}; never an engine package.
 */
package atelier.daemon.server;
