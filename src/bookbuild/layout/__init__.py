"""Turn the printed book's HTML into its laid-out pages, chunk by chunk, in worker processes.

WeasyPrint lays out one document on one core.  A book's chapters start on
fresh pages, so each one can be laid out alone, in its own process, with
the same line and page breaks as in the whole book:

* ``chunks`` cuts the book's HTML into the front matter, each body chapter
  and the back matter;
* ``worker`` lays out one chunk in a worker process (with bookbuild's
  footnote and line corrections), then, once the pages before it are
  counted, gives it its page numbers, running heads and the numbers of the
  pages it refers to, and writes it as PDF;
* ``pool`` keeps the worker processes, with memory and time limits;
* ``book`` decides what to lay out where and when, and reuses what the cache
  (``bookbuild.cache``) already holds;
* ``assemble`` joins the chunks' PDFs into one tagged PDF.
"""
