/**
 * Node socket error codes meaning the TCP connection failed or was cut. Sources: Node.js
 * "Common system errors" (errors.md: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT), libuv's
 * error list (docs.libuv.org errors.html, UV_E*: the rest), and Node's stream errors
 * (errors.md: ERR_STREAM_DESTROYED, ERR_STREAM_WRITE_AFTER_END) for writes to a socket that
 * is already closed. MariaDB closing an idle session at wait_timeout shows up as ECONNRESET
 * (integration test). Shared by every dialect whose driver speaks over a Node socket.
 */
export const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET", // peer reset the connection (server killed, wait_timeout, idle timeout through a proxy)
  "EPIPE", // wrote to a socket the peer has closed
  "ECONNREFUSED", // nothing listens: server down or restarting
  "ECONNABORTED", // connection aborted locally
  "ETIMEDOUT", // connect timeout, or TCP keepalive gave up on a dead peer
  "ENOTCONN", // socket is not connected
  "EHOSTUNREACH", // no route to host
  "EHOSTDOWN", // host is down
  "ENETUNREACH", // network unreachable
  "ENETDOWN", // network is down
  "ENETRESET", // connection dropped by network reset
  "ERR_STREAM_DESTROYED", // write on a destroyed socket
  "ERR_STREAM_WRITE_AFTER_END", // write after the socket was ended
]);
