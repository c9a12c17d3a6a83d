"""A loopback fake of Meta's WhatsApp Cloud API (the Graph API endpoints govchat uses).

It is a real HTTP/1.1 server on 127.0.0.1 (``HTTPFake``, tests/fakes/base.py, with the faults every fake shares)
built on the standard library only, so any HTTP client (heyoo's bare ``requests.post``, a ``requests.Session``,
httpx) can be pointed at ``GraphFake.base_url`` instead of ``https://graph.facebook.com``.
``from tests.fakes.graph.fake import GraphFake``; the ``graph_fake`` fixture (tests/fakes/fixtures.py) starts one.

Modules: ``fake`` (GraphFake: what a test sets up and inspects), ``routes`` (what it answers), ``validation``
(Meta's rules for a message), ``errors`` (Meta's error shapes).

Facts and limits follow /work/shared/docs/whatsapp-cloud-api.md (sections 2, 2.1, 3, 4 and the checklist in 6).

Routes (``{v}`` is ``v{N}.0`` with ``min_version <= N`` and, if set, ``N <= max_version``):

* ``POST /{v}/{phone_number_id}/messages``: send a message (validated like Meta) or mark one as read.
* ``POST /{v}/{phone_number_id}/media``: multipart upload (fields ``file``, ``type``, ``messaging_product``).
* ``GET /{v}/{media_id}`` (optional ``?phone_number_id=``): media metadata with a download URL valid for 5 minutes.
* ``DELETE /{v}/{media_id}``: delete media.
* ``GET /whatsapp_business/attachments/?mid=...&token=...``: the media bytes; needs the bearer token.

Error choices where Meta leaves room:

* Every validation failure of a message is HTTP 400, code 100, message ``"(#100) Invalid parameter"``, with what is
  wrong in ``error_data.details`` (Meta sometimes uses 131009 for interactive limits; this fake always uses 100).
* An unknown media id (GET or DELETE) is HTTP 400, code 100, ``type: "GraphMethodException"``, ``error_subcode: 33``,
  the Graph "Unsupported get request. Object with ID ... does not exist" error.
* A Graph API version below ``min_version`` is HTTP 400, code 2635 ("deprecated version").
* A missing or unknown bearer token is HTTP 401, code 190. Graph paths also accept ``?access_token=``, as Graph does;
  the attachment download accepts only the ``Authorization`` header.
* A malformed request (bad JSON, bad Content-Length, bad multipart) gets a 400; a bug inside the fake gets a 500
  with the traceback in ``error.message``. The server never dies on a request.
* String lengths are counted in Python characters (code points).
"""
