/**
 * Certificate and key files named in a URL (`sslrootcert=/path/ca.pem`, `ssl_ca=...`).
 * They are read at every connect, as libpq does (it opens sslrootcert/sslcert/sslkey each
 * time it connects, libpq "SSL Support" docs), so a rotated certificate is picked up by the
 * next new connection without recreating the engine.
 */
import { readFile } from "node:fs/promises";
import { ArgumentError } from "../../errors.js";

/** The file's contents; an error names the URL option and the path. */
export async function readTlsFile(option: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ArgumentError(`Could not read the file named by URL query option '${option}' (${path}): ${reason}`, { cause: err });
  }
}
