'use strict';
// Rapport pages: the live parts only. Everything else is plain HTML forms and links.
(function () {
  // Fetches a server-rendered piece of a page; a stale session goes to sign-in and back.
  function fetchPiece(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (response) {
      if (response.redirected && response.url.indexOf('/sign-in') >= 0) {
        window.location.assign('/sign-in?next=' + encodeURIComponent(window.location.pathname + window.location.search));
        return null;
      }
      if (!response.ok) { return null; }
      return response.text();
    });
  }

  function status(el, text) {
    var line = document.getElementById('live-status');
    if (!line) { line = document.createElement('p'); line.id = 'live-status'; line.className = 'muted'; el.prepend(line); }
    line.textContent = text;
  }

  // Agent desk: a contact offered to me pops its card without a reload.
  var pop = document.getElementById('pop');
  if (pop && pop.dataset.live && window.EventSource) {
    var agentStream = new EventSource(pop.dataset.live);
    agentStream.addEventListener('offer', function (event) {
      var offer = JSON.parse(event.data);
      var contact = offer.contact || {};
      if (!contact.party_id) { return; }
      fetchPiece('/desk/card/' + encodeURIComponent(contact.party_id) + '?contact=' + encodeURIComponent(contact.id)).then(function (html) {
        if (html === null) { return; }
        pop.innerHTML = html;
        pop.classList.add('popped');
        var banner = document.getElementById('pop-banner');
        if (banner) { banner.tabIndex = -1; banner.focus(); }
        document.title = '☎ ' + document.title.replace(/^☎ /, '');
      });
    });
    agentStream.addEventListener('agent_state', function (event) {
      var agent = JSON.parse(event.data);
      var state = document.getElementById('agent-state');
      if (!state || !agent.state) { return; }
      state.dataset.state = agent.state;
      state.textContent = state.getAttribute('data-label-' + agent.state) || agent.state.replace(/_/g, ' ');
      var select = document.getElementById('state');
      if (select && select.querySelector('option[value="' + agent.state + '"]')) { select.value = agent.state; }
    });
    agentStream.onopen = function () { if (!pop.classList.contains('popped')) { status(pop, pop.dataset.waiting); } };
    agentStream.onerror = function () { if (!pop.classList.contains('popped')) { status(pop, pop.dataset.lost); } };
  }

  // Supervisor wallboard: the live part is drawn again (at most once a second) when it changes.
  var board = document.getElementById('wallboard-live');
  if (board && board.dataset.live && window.EventSource) {
    var pending = false, last = 0;
    var redraw = function () {
      pending = false; last = Date.now();
      fetchPiece(board.dataset.piece).then(function (html) { if (html !== null) { board.innerHTML = html; } });
    };
    var boardStream = new EventSource(board.dataset.live);
    boardStream.addEventListener('wallboard', function () {
      if (pending) { return; }
      pending = true;
      setTimeout(redraw, Math.max(0, 1000 - (Date.now() - last)));
    });
  }

  // "/" jumps to the search box.
  document.addEventListener('keydown', function (event) {
    var q = document.getElementById('q');
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target && event.target.tagName) || '');
    if (q && event.key === '/' && !typing) { event.preventDefault(); q.focus(); }
  });
})();
