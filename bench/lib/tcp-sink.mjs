#!/usr/bin/env node
/**
 * A TCP receiver for W9, in its own process so that receiving never competes with the sender for
 * the sender's event loop (as a real consumer on another process would not). Listens on
 * 127.0.0.1 only, on a free port it prints as its first stdout line. Per connection: counts the
 * bytes received and discards them; when the sender ends its side, replies with the count as a
 * decimal line and closes. Runs until its parent kills it or disconnects stdin.
 */
import net from 'node:net'

const server = net.createServer((socket) => {
  let bytes = 0
  socket.on('data', (chunk) => (bytes += chunk.length))
  socket.on('end', () => socket.end(`${bytes}\n`))
  socket.on('error', () => socket.destroy())
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
// Exit with the parent: its end of our stdin closes when it dies, even by SIGKILL.
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
