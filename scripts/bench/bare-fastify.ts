// The ceiling for the API server's create throughput: bare Fastify on the same machine, one POST route
// that parses a JSON body and answers 201 with it, with the API server's server options and no logging.
// Run as its own process by the benchmark; prints "bare-fastify listening on URL".
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024, keepAliveTimeout: 65_000, forceCloseConnections: true });
app.post('/api/v1/namespaces/:namespace/pods', async (req, reply) => {
  reply.code(201);
  return req.body;
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`bare-fastify listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
