// Opens GraphiQL served by Gazette in headless Chromium (Debian's package),
// runs the default document's first operation (FrontPage), and checks that
// the seed article's title reaches the result pane. Saves a screenshot.
// Usage: node graphiql.mjs http://127.0.0.1:PORT/ ../../target/graphiql.png
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
const title = "特朗普欲“单飞”和谈惹众怒";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  const errors = [];
  page.on("response", async (r) => {
    if (r.url().endsWith("/graphql") && r.status() === 200) {
      const body = await r.json().catch(() => ({}));
      if (body.errors) errors.push(JSON.stringify(body.errors));
    }
  });
  await page.goto(url, { waitUntil: "networkidle" });
  await page.waitForSelector(".graphiql-execute-button", { timeout: 20000 });
  await page.click(".graphiql-execute-button");
  // With several operations GraphiQL asks which one to run.
  await page.getByRole("menuitem", { name: "FrontPage" }).first().click({ timeout: 10000 });
  await page.waitForFunction(
    // The result pane is a CodeMirror editor that renders only the lines in
    // view; its full text comes from the editor itself.
    (expected) => {
      const cm = document.querySelector(".result-window .CodeMirror")?.CodeMirror;
      return (cm ? cm.getValue() : document.querySelector(".result-window")?.textContent ?? "").includes(expected);
    },
    title,
    { timeout: 20000 },
  );
  await page.screenshot({ path: screenshot, fullPage: false });
  if (failed.length) throw new Error(`requests failed: ${failed.join(", ")}`);
  if (errors.length) throw new Error(`GraphQL errors (the schema query included): ${errors.join("; ")}`);
  console.log(`GraphiQL ran FrontPage; the seed title is in the result pane; screenshot at ${screenshot}`);
} finally {
  await browser.close();
}
