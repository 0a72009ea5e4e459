/* The web edition's search, written by bookbuild: it looks the words of the search page's form up in
   window.bookbuildSearchIndex (search-index.js, loaded as a script), in the browser, so that it works
   offline and from a folder opened as file://.  Every word must appear in a section; case and accents
   do not matter; a word matches the beginning of a longer one ("revol" finds "revolution"). */
(function () {
  "use strict";
  var input = document.getElementById("search-words");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var form = input && input.form;
  if (!input || !list || !status || !form) {
    return;
  }
  var index = window.bookbuildSearchIndex || [];
  var LIMIT = 100;

  /* Text without accents, in lower case, and for each of its characters the place in the original. */
  function fold(text) {
    var folded = "";
    var places = [];
    for (var i = 0; i < text.length; i++) {
      var plain = text[i].normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
      for (var j = 0; j < plain.length; j++) {
        folded += plain[j];
        places.push(i);
      }
    }
    return { text: folded, places: places };
  }

  function wordsOf(query) {
    return fold(query).text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  var entries = index.map(function (entry) {
    return { entry: entry, folded: fold(entry.page + " " + entry.section + " " + entry.text).text,
             body: fold(entry.text) };
  });

  function startsWord(text, at) {
    return at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1]);
  }

  function find(text, word) {
    var at = text.indexOf(word);
    while (at >= 0 && !startsWord(text, at)) {
      at = text.indexOf(word, at + 1);
    }
    return at;
  }

  /* About twenty words around the first match in the text, the match marked. */
  function snippet(item, word) {
    var paragraph = document.createElement("p");
    var text = item.entry.text;
    var at = find(item.body.text, word);
    if (at < 0) {
      paragraph.textContent = text.slice(0, 160) + (text.length > 160 ? "…" : "");
      return paragraph;
    }
    var start = item.body.places[at];
    var end = item.body.places[at + word.length - 1] + 1;
    var from = Math.max(0, text.lastIndexOf(" ", Math.max(0, start - 80)));
    var to = text.indexOf(" ", Math.min(text.length, end + 80));
    to = to < 0 ? text.length : to;
    paragraph.appendChild(document.createTextNode((from > 0 ? "…" : "") + text.slice(from, start).replace(/^ /, "")));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(start, end);
    paragraph.appendChild(mark);
    paragraph.appendChild(document.createTextNode(text.slice(end, to) + (to < text.length ? "…" : "")));
    return paragraph;
  }

  function show(query) {
    var words = wordsOf(query);
    list.textContent = "";
    if (!words.length) {
      status.textContent = "";
      return;
    }
    var found = entries.filter(function (item) {
      return words.every(function (word) { return find(item.folded, word) >= 0; });
    });
    status.textContent = found.length ? status.dataset.found.replace("{count}", String(found.length))
                                      : status.dataset.none;
    found.slice(0, LIMIT).forEach(function (item) {
      var entry = item.entry;
      var row = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.section ? entry.page + ": " + entry.section : entry.page;
      row.appendChild(link);
      if (entry.printed) {
        var page = document.createElement("span");
        page.className = "result-page";
        page.textContent = " " + status.dataset.page.replace("{page}", entry.printed);
        row.appendChild(page);
      }
      row.appendChild(snippet(item, words[0]));
      list.appendChild(row);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    try {
      history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    } catch (error) {
      /* some browsers refuse to change a file:// address: the results show all the same */
    }
    show(input.value);
  });
  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
}());
