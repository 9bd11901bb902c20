/// `GET /`: one small self-contained page, the counts as a sorted bar chart that follows `/aggregated` about
/// once a second, with the total and the time of the last change. No external script, style or font: it works
/// offline. It shows the 200 largest categories; the total counts them all.
enum CountsPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>FoodCount</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; padding: 0 1rem;
                 color: #1f2937; background: #f9fafb; }
          h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
          .meta { color: #4b5563; margin: 0 0 1.25rem; }
          #status.error { color: #b91c1c; }
          ol { list-style: none; padding: 0; margin: 0; }
          li { display: grid; grid-template-columns: minmax(6rem, 14rem) 1fr 6rem; gap: .75rem; align-items: center;
               margin: .15rem 0; }
          .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          .track { background: #e5e7eb; border-radius: 3px; }
          .bar { height: 1.1rem; background: #2563eb; border-radius: 3px; min-width: 2px; transition: width .4s; }
          .count { text-align: right; font-variant-numeric: tabular-nums; }
          #more { color: #6b7280; margin-top: .75rem; }
        </style>
        </head>
        <body>
        <h1>FoodCount</h1>
        <p class="meta"><span id="total">0</span> events in <span id="categories">0</span> categories · last change
        <time id="changed">none yet</time> · <span id="status">connecting…</span></p>
        <ol id="bars"></ol>
        <p id="more" hidden></p>
        <script>
        "use strict";
        const shown = 200;
        const element = (id) => document.getElementById(id);
        let previous = null;

        function render(counts) {
          const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
          const largest = entries.length > 0 ? entries[0][1] : 1;
          element("total").textContent = entries.reduce((sum, entry) => sum + entry[1], 0).toLocaleString("en");
          element("categories").textContent = entries.length.toLocaleString("en");
          element("bars").replaceChildren(...entries.slice(0, shown).map(([category, count]) => {
            const item = document.createElement("li");
            item.dataset.category = category;
            item.dataset.count = String(count);
            const name = document.createElement("span");
            name.className = "name";
            name.textContent = category;
            name.title = category;
            const track = document.createElement("div");
            track.className = "track";
            const bar = document.createElement("div");
            bar.className = "bar";
            bar.style.width = (100 * count / largest).toFixed(2) + "%";
            track.append(bar);
            const number = document.createElement("span");
            number.className = "count";
            number.textContent = count.toLocaleString("en");
            item.append(name, track, number);
            return item;
          }));
          const more = element("more");
          more.hidden = entries.length <= shown;
          more.textContent = "and " + (entries.length - shown).toLocaleString("en") + " smaller categories";
        }

        async function refresh() {
          const status = element("status");
          try {
            const response = await fetch("aggregated", { cache: "no-cache" });
            const body = await response.json();
            if (!response.ok) { throw new Error(body.error ? body.error.message : "HTTP " + response.status); }
            const text = JSON.stringify(body);
            if (text !== previous) {
              previous = text;
              render(body);
              const now = new Date();
              element("changed").textContent = now.toLocaleTimeString("en-GB");
              element("changed").dateTime = now.toISOString();
            }
            status.textContent = "live";
            status.className = "";
          } catch (error) {
            status.textContent = "counts unavailable: " + error.message;
            status.className = "error";
          }
        }

        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>

        """#
}
