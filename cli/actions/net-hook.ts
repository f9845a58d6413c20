/** `net-hook add|del CONFIG PID`: the supervisor's network hook. */
import { LaunchError } from "../../src/errors.js";
import { networkAdd, networkDel } from "../../src/network/hook.js";
import type { CliIO } from "../io.js";

export async function netHook(
  io: CliIO,
  action: string,
  config: string,
  pid: string,
): Promise<void> {
  const n = Number(pid);
  if (
    !config.startsWith("/") ||
    !Number.isInteger(n) ||
    n <= 0 ||
    (action !== "add" && action !== "del")
  )
    throw new LaunchError(
      `net-hook: expected add|del ABSOLUTE-CONFIG PID; got ${action} ${config} ${pid}`,
    );
  try {
    if (action === "add") await networkAdd(config, n);
    else networkDel(config, n);
  } catch (e) {
    io.stderr.write(`secure-run: network ${action}: ${(e as Error).message}\n`);
    io.exitCode = 125;
  }
}
