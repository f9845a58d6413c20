// A small static file server on 127.0.0.1:8082: GET /<file> from /srv/site.
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

const root = "/srv/site";
http
  .createServer((req, res) => {
    const name =
      path
        .normalize(decodeURIComponent(new URL(req.url, "http://x").pathname))
        .replace(/^\/+/, "") || "index.html";
    fs.readFile(path.join(root, name), (err, data) => {
      if (err) {
        res.writeHead(404).end("not found\n");
        return;
      }
      res
        .writeHead(200, {
          "content-type": name.endsWith(".html") ? "text/html" : "application/octet-stream",
        })
        .end(data);
    });
  })
  .listen(8082, "127.0.0.1", () => console.log("listening on 127.0.0.1:8082"));
process.on("SIGTERM", () => process.exit(0));
