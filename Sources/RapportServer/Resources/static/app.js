'use strict';
// Rapport pages: the live parts only. Everything else is plain HTML forms and links.
(function () {
  var here = function () { return window.location.pathname + window.location.search; };
  var toSignIn = function () { window.location.assign('/sign-in?next=' + encodeURIComponent(here())); };

  // Fetches a server-rendered piece of a page; a stale session goes to sign-in and back.
  function fetchPiece(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (response) {
      if (response.redirected && response.url.indexOf('/sign-in') >= 0) { toSignIn(); return null; }
      if (!response.ok) { return null; }
      return response.text();
    });
  }

  // A live stream that outlives its connection: the browser reconnects by itself after a network
  // hiccup; when the server closes it for good (an ended session answers 401) the session is
  // checked, and sign-in comes next if it is over.
  function live(url, handlers, onState) {
    var open = function () {
      var stream = new EventSource(url);
      Object.keys(handlers).forEach(function (name) { stream.addEventListener(name, handlers[name]); });
      stream.onopen = function () { onState(true); };
      stream.onerror = function () {
        onState(false);
        if (stream.readyState !== EventSource.CLOSED) { return; }
        fetch('/api/v1/session', { credentials: 'same-origin' }).then(function (r) {
          if (r.status === 401) { toSignIn(); } else { setTimeout(open, 3000); }
        }, function () { setTimeout(open, 3000); });
      };
    };
    open();
  }

  function status(el, text) {
    var line = document.getElementById('live-status');
    if (!line) { line = document.createElement('p'); line.id = 'live-status'; line.className = 'muted'; line.setAttribute('role', 'status'); el.prepend(line); }
    line.textContent = text;
  }

  function typing() {
    var active = document.activeElement;
    return !!active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  // Agent desk: a contact offered to me pops its card without a reload.
  var pop = document.getElementById('pop');
  if (pop && pop.dataset.live && window.EventSource) {
    live(pop.dataset.live, {
      offer: function (event) {
        var offer = JSON.parse(event.data);
        var contact = offer.contact || {};
        if (!contact.party_id) { return; }
        fetchPiece('/desk/card/' + encodeURIComponent(contact.party_id) + '?contact=' + encodeURIComponent(contact.id)).then(function (html) {
          if (html === null) { return; }
          pop.innerHTML = html;
          pop.classList.add('popped');
          var banner = document.getElementById('pop-banner');
          // The banner is announced (role=alert); focus moves there only if the agent is not typing elsewhere.
          if (banner && !typing()) { banner.tabIndex = -1; banner.focus(); }
          document.title = '☎ ' + document.title.replace(/^☎ /, '');
        });
      },
      agent_state: function (event) {
        var agent = JSON.parse(event.data);
        var state = document.getElementById('agent-state');
        if (!state || !agent.state) { return; }
        state.dataset.state = agent.state;
        state.textContent = state.getAttribute('data-label-' + agent.state) || agent.state.replace(/_/g, ' ');
        var select = document.getElementById('state');
        if (select && select.querySelector('option[value="' + agent.state + '"]')) { select.value = agent.state; }
      }
    }, function (up) {
      if (!pop.classList.contains('popped')) { status(pop, up ? pop.dataset.waiting : pop.dataset.lost); }
    });
  }

  // Supervisor wallboard: the live part is drawn again (at most once a second) when it changes.
  var board = document.getElementById('wallboard-live');
  if (board && board.dataset.live && window.EventSource) {
    var pending = false, last = 0;
    var redraw = function () {
      pending = false; last = Date.now();
      fetchPiece(board.dataset.piece).then(function (html) { if (html !== null) { board.innerHTML = html; } });
    };
    live(board.dataset.live, {
      wallboard: function () {
        if (pending) { return; }
        pending = true;
        setTimeout(redraw, Math.max(0, 1000 - (Date.now() - last)));
      }
    }, function () {});
  }

  // "/" jumps to the search box.
  document.addEventListener('keydown', function (event) {
    var q = document.getElementById('q');
    if (q && event.key === '/' && !typing()) { event.preventDefault(); q.focus(); }
  });
})();
