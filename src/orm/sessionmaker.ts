import { ArgumentError } from "../errors.js";
import { Session, type SessionOptions } from "./session.js";

/** Makes Sessions with shared settings (SQLAlchemy `sessionmaker`). */
export interface SessionFactory {
  /** A new Session; `options` override the factory's for this one. */
  (options?: Partial<SessionOptions>): Session;
  /**
   * Run `work` in a new session's transaction (the seeds' `session_scope`): committed when it
   * returns, rolled back when it throws, and the session always closed.
   */
  begin<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** Change the settings of sessions made from now on. */
  configure(options: Partial<SessionOptions>): void;
  readonly options: Readonly<SessionOptions>;
}

export function sessionmaker(options: SessionOptions): SessionFactory {
  let settings: SessionOptions = { ...options };
  new Session(settings); // checks the options now, not at the first request

  const factory = ((overrides?: Partial<SessionOptions>) =>
    new Session(overrides === undefined ? settings : { ...settings, ...overrides })) as SessionFactory;
  factory.begin = async <T>(work: (session: Session) => Promise<T>): Promise<T> => {
    if (typeof work !== "function") throw new ArgumentError("Session.begin() takes an async function: Session.begin(async (session) => { ... }).");
    const session = factory();
    try {
      const tx = await session.begin();
      const result = await work(session);
      if (tx.isActive) await session.commit();
      return result;
    } finally {
      await session.close(); // rolls back whatever the work left open or failed
    }
  };
  factory.configure = (more) => {
    const next = { ...settings, ...more };
    new Session(next);
    settings = next;
  };
  Object.defineProperty(factory, "options", { get: () => Object.freeze({ ...settings }) });
  return factory;
}
