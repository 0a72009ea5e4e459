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
* ``assemble`` joins the chunks' PDFs into one tagged PDF;
* ``corrections`` mends what WeasyPrint's layout got wrong (notes pushed off
  their page, headings left behind, lines broken too early), ``pages`` reads
  the pages' sections (the last page alone), ``preflight`` measures what
  would print badly;
* ``printed`` is the entry: ``lay_out(print_request(...), settings)``;
  ``handouts`` lays out the classroom handouts;
* ``weasy`` is the one module that touches WeasyPrint's private API, and
  ``fetch`` the only way WeasyPrint reads files.

No other package of bookbuild imports WeasyPrint's layout.
"""

PDF_VARIANT = "pdf/ua-1"  # the variant bookbuild's PDFs are written as: tagged, PDF/UA-1
