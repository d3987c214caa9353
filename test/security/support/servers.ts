// Throwaway servers with a login that really needs PASSWORD: PostgreSQL with scram-sha-256
// for USER (a pg_hba.conf line ahead of the harness's trust lines), MariaDB with
// mysql_native_password. Each start proves the password is required.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { startThrowawayMariadb } from "../../support/throwaway-mariadb.js";
import { startThrowawayPostgres } from "../../support/throwaway-postgres.js";
import { PASSWORD, USER, type Server } from "./exposure.js";

export interface PasswordServer extends Server {
  stop(): Promise<void>;
}

export async function startPostgresWithPassword(): Promise<PasswordServer> {
  const pgServer = await startThrowawayPostgres();
  try {
    const admin = new pg.Client(pgServer.pgConfig);
    await admin.connect();
    await admin.query(`SET password_encryption = 'scram-sha-256'; CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD.replaceAll("'", "''")}'`);
    // The first matching line wins: this role must authenticate, everyone else stays trusted.
    const hba = join(pgServer.dataDir, "pg_hba.conf");
    writeFileSync(hba, `host all ${USER} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, "utf8")}`);
    await admin.query("SELECT pg_reload_conf()");
    await admin.end();
    const anonymous = new pg.Client({ ...pgServer.pgConfig, user: USER });
    anonymous.on("error", () => undefined);
    await assert.rejects(anonymous.connect(), /password/, "the login must need the password");
    return {
      name: "postgresql",
      port: pgServer.port,
      url: (password) =>
        `postgresql://${USER}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@127.0.0.1:${pgServer.port}/test`,
      kill: async () => {
        const killer = new pg.Client(pgServer.pgConfig);
        await killer.connect();
        await killer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [USER]);
        await killer.end();
      },
      stop: () => pgServer.stop(),
    };
  } catch (error) {
    await pgServer.stop();
    throw error;
  }
}

export async function startMariadbWithPassword(): Promise<PasswordServer> {
  const mariadb = await startThrowawayMariadb();
  try {
    const admin = await mysql.createConnection(mariadb.mysqlConfig);
    // Both hosts: a client on 127.0.0.1 may be matched as 'localhost'.
    for (const host of ["%", "localhost"]) {
      await admin.query(`CREATE USER '${USER}'@'${host}' IDENTIFIED BY ?`, [PASSWORD]);
      await admin.query(`GRANT ALL ON *.* TO '${USER}'@'${host}'`);
    }
    await admin.end();
    await assert.rejects(mysql.createConnection({ ...mariadb.mysqlConfig, user: USER, password: "" }), /Access denied/);
    return {
      name: "mariadb",
      port: mariadb.port,
      url: (password) =>
        `mariadb://${USER}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@127.0.0.1:${mariadb.port}/test`,
      kill: async () => {
        const killer = await mysql.createConnection(mariadb.mysqlConfig);
        const [rows] = await killer.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", [USER]);
        for (const row of rows as { ID: number }[]) await killer.query(`KILL CONNECTION ${Number(row.ID)}`).catch(() => undefined);
        await killer.end();
      },
      stop: () => mariadb.stop(),
    };
  } catch (error) {
    await mariadb.stop();
    throw error;
  }
}
