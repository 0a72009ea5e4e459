// The preview page: follows the server's updates (server-sent events) and shows them without a reload.
// The HTML view is changed in place (its scroll position stays), and scrolled to the heading nearest the edit
// when the edit moves; the PDF is loaded again at the page the edited chapter begins on.
"use strict";

const htmlFrame = document.getElementById("html-view");
const pdfFrame = document.getElementById("pdf-view");
const statusLine = document.getElementById("status");
let shownHtml = 0;
let shownPdf = 0;
let shownTarget = null;
let loadingHtml = Promise.resolve();

function say(text) {
  statusLine.textContent = text;
}

function listProblems(section, list, title, items, noun) {
  list.replaceChildren();
  for (const item of items) {
    const entry = document.createElement("li");
    if (item.where) {
      const where = document.createElement("span");
      where.className = "where";
      where.textContent = item.where + ": ";
      entry.append(where);
    }
    entry.append(item.severity + ": " + item.message);
    if (item.hint) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = "hint: " + item.hint;
      entry.append(hint);
    }
    list.append(entry);
  }
  title.textContent = items.length + " " + noun + (items.length === 1 ? "" : "s");
  section.hidden = items.length === 0;
}

function scrollToEdit(target, always) {
  const doc = htmlFrame.contentDocument;
  if (!doc || !target) return;
  const heading = doc.getElementById(target);
  if (!heading) return;
  // A chapter's title: its whole head, with the chapter's number above the title.
  const element = heading.matches("h1") && heading.closest(".chapter") ? heading.closest(".chapter") : heading;
  const box = element.getBoundingClientRect();
  const visible = box.top >= 0 && box.top < htmlFrame.clientHeight;
  if (always || !visible) element.scrollIntoView({block: "start"});
}

function pause(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function loadOf(element) {
  return new Promise((resolve) => {
    element.addEventListener("load", resolve, {once: true});
    element.addEventListener("error", resolve, {once: true});
  });
}

function sheetsOf(head) {
  return Array.from(head.querySelectorAll("link[rel=stylesheet], style")).map((sheet) => sheet.outerHTML).join("\n");
}

function imagesLoaded(doc) {
  const pending = Array.from(doc.images).filter((image) => !image.complete).map(loadOf);
  return Promise.race([Promise.all(pending), pause(2000)]);
}

function frameLoaded() {
  return new Promise((resolve) => htmlFrame.addEventListener("load", resolve, {once: true}));
}

async function showHtml(html) {
  const response = await fetch("/view?v=" + html.version, {cache: "no-store"});
  const text = await response.text();
  const doc = htmlFrame.contentDocument;
  if (!doc || !doc.body || !doc.location.pathname.startsWith("/view")) {
    const loaded = frameLoaded();
    htmlFrame.src = "/view?v=" + html.version;
    await loaded;
  } else {
    const fresh = new DOMParser().parseFromString(text, "text/html");
    const view = htmlFrame.contentWindow;
    const [x, y] = [view.scrollX, view.scrollY];
    if (sheetsOf(fresh.head) !== sheetsOf(doc.head)) {  // a stylesheet changed (its URL names its version)
      const head = doc.importNode(fresh.head, true);
      const sheets = Array.from(head.querySelectorAll("link[rel=stylesheet]")).map(loadOf);
      doc.head.replaceWith(head);
      await Promise.race([Promise.all(sheets), pause(3000)]);
    }
    doc.body.replaceWith(doc.importNode(fresh.body, true));
    // The new body's images take their height once loaded: scroll when the page has its final length.
    await imagesLoaded(doc);
    view.scrollTo(x, y);
  }
  htmlFrame.contentDocument.documentElement.dataset.version = String(html.version);
  scrollToEdit(html.target, html.target !== shownTarget);
  shownTarget = html.target;
  shownHtml = html.version;
  document.body.dataset.htmlVersion = String(html.version);
}

function showPdf(pdf) {
  pdfFrame.src = "/preview.pdf?v=" + pdf.version + "#page=" + pdf.page;
  shownPdf = pdf.version;
  document.body.dataset.pdfVersion = String(pdf.version);
}

function show(state) {
  listProblems(document.getElementById("problems"), document.getElementById("problem-list"),
               document.getElementById("problems-title"), state.problems, "problem");
  listProblems(document.getElementById("warnings"), document.getElementById("warning-list"),
               document.getElementById("warnings-title"), state.warnings, "warning");
  const parts = [];
  if (state.html) {
    document.getElementById("html-where").textContent = state.html.chapter ? "(" + state.html.chapter + ")" : "";
    parts.push("HTML rendered in " + state.html.seconds.toFixed(2) + " s");
    if (state.html.version !== shownHtml) {
      const html = state.html;
      loadingHtml = loadingHtml.then(() => html.version > shownHtml ? showHtml(html) : null)
        .catch((error) => say("could not show the HTML view: " + error));
    }
  } else {
    parts.push(state.problems.length ? "the book cannot be rendered yet" : "rendering…");
  }
  if (state.pdf) {
    document.getElementById("pdf-where").textContent =
      "(page " + state.pdf.page + " of " + state.pdf.pages + ")";
    if (state.pdf.version !== shownPdf) showPdf(state.pdf);
  }
  if (state.pdf_busy) parts.push("laying out the PDF…");
  else if (state.pdf) parts.push("PDF laid out in " + state.pdf.seconds.toFixed(2) + " s");
  if (state.problems.length) parts.push("showing the last good preview");
  say(parts.join(" · "));
}

const events = new EventSource("/events");
events.addEventListener("state", (event) => show(JSON.parse(event.data)));
events.addEventListener("error", () => {
  if (events.readyState !== EventSource.OPEN) say("not connected: is bookbuild serve still running?");
});
