/** A redis client for the image tests: PING, SET k VALUE, GET k on one connection, resolved with
 * everything the server answered once GET's answer is in (rejected after 3 s without it). */
import { connect } from "node:net";

export function pingSetGet(port: number, value: string): Promise<string> {
  const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  return new Promise((done, fail) => {
    const s = connect({ host: "127.0.0.1", port });
    let text = "";
    s.setTimeout(3000, () => s.destroy(new Error(`no full answer: ${JSON.stringify(text)}`)));
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      text += d;
      if (text.endsWith(bulk(value))) {
        s.end();
        done(text);
      }
    });
    s.on("error", fail);
    s.write(
      `*1\r\n${bulk("PING")}*3\r\n${bulk("SET")}${bulk("k")}${bulk(value)}*2\r\n${bulk("GET")}${bulk("k")}`,
    );
  });
}
