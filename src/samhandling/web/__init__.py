"""The node's web server (``samhandling web``): the public change channel (``/endringer``, its Atom and
iCalendar feeds) and the acknowledgement link partners follow from a notice. Server-rendered with Jinja2, works
without JavaScript, our own CSS, nothing from a CDN. The console (a later issue) is added to the same app."""
