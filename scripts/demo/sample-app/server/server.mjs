// Serves the installed site on 127.0.0.1 (an OS-chosen port, written to a file for the hooks).
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const [siteDir, portFile] = process.argv.slice(2);
const server = createServer(async (req, res) => {
  try {
    const body = await readFile(path.join(siteDir, 'index.html'));
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(body);
  } catch {
    res.writeHead(500);
    res.end('site missing');
  }
});
server.listen(0, '127.0.0.1', async () => {
  await writeFile(portFile, String(server.address().port));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
