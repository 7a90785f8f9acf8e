/** The subset of a pino logger the installer and hook runner use. */
export interface InstallLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: InstallLogger = { info: () => {}, warn: () => {} };
