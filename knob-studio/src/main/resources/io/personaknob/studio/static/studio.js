// knob studio: keyboard-first review. Plain forms work without this file; it adds keys and in-place saving.
(function () {
  'use strict';
  function csrf() {
    var m = document.querySelector('meta[name="csrf"]');
    return m ? m.content : '';
  }
  function post(url, data) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Accept': 'application/json', 'X-CSRF-Token': csrf()},
      body: data || new URLSearchParams()
    });
  }
  function typing(e) {
    var t = e.target;
    return t && t.closest && t.closest('input, textarea, select, [contenteditable]');
  }
  function setStatus(text, isError) {
    var s = document.getElementById('status');
    if (!s) return;
    s.textContent = text;
    s.className = isError ? 'status error' : 'status';
  }

  function review() {
    var checks = Array.prototype.slice.call(document.querySelectorAll('form.check'));
    if (!checks.length) return;
    var cur = checks.findIndex(function (f) { return !f.dataset.verdict; });
    if (cur < 0) cur = 0;
    function focus(i) {
      cur = Math.max(0, Math.min(checks.length - 1, i));
      checks.forEach(function (f, j) { f.classList.toggle('current', j === cur); });
    }
    focus(cur);
    var busy = false;
    function send(form, verdict) {
      if (busy) return;
      var buttons = form.querySelectorAll('button');
      if (buttons.length && buttons[0].disabled) { setStatus('This item is not in your queue.', true); return; }
      busy = true;
      var data = new URLSearchParams(new FormData(form));
      data.set('verdict', verdict);
      var c = document.getElementById('comment');
      if (c && c.value) data.set('comment', c.value);
      post(form.action, data).then(function (r) {
        return r.json().then(function (j) { return {ok: r.ok, j: j}; });
      }).then(function (res) {
        busy = false;
        if (!res.ok) { setStatus(res.j.error || 'error', true); return; }
        form.dataset.verdict = verdict;
        form.querySelectorAll('button').forEach(function (b) { b.classList.toggle('chosen', b.value === verdict); });
        var p = document.getElementById('progress');
        if (p) { p.max = Math.max(1, res.j.total); p.value = res.j.done; }
        var pt = document.getElementById('progress-text');
        if (pt) pt.textContent = res.j.done + ' / ' + res.j.total + ' reviewed';
        if (res.j.item_done) { window.location.reload(); return; }
        setStatus('saved: ' + form.dataset.check + ' = ' + verdict, false);
        var next = checks.findIndex(function (f, j) { return j > cur && !f.dataset.verdict; });
        if (next < 0) next = checks.findIndex(function (f) { return !f.dataset.verdict; });
        focus(next < 0 ? cur + 1 : next);
      }).catch(function () { busy = false; setStatus('network error: not saved', true); });
    }
    checks.forEach(function (f, i) {
      f.addEventListener('submit', function (e) {
        e.preventDefault();
        focus(i);
        send(f, e.submitter ? e.submitter.value : 'pass');
      });
    });
    var keys = {p: 'pass', '1': 'pass', f: 'fail', '2': 'fail', u: 'unsure', '3': 'unsure'};
    document.addEventListener('keydown', function (e) {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      var k = e.key;
      if (keys[k]) { e.preventDefault(); send(checks[cur], keys[k]); }
      else if (k === 'j' || k === 'ArrowDown') { e.preventDefault(); focus(cur + 1); }
      else if (k === 'k' || k === 'ArrowUp') { e.preventDefault(); focus(cur - 1); }
      else if (k === 'n' || k === 'ArrowRight') { var n = document.getElementById('next'); if (n) window.location = n.href; }
      else if (k === 'b' || k === 'ArrowLeft') { var b = document.getElementById('prev'); if (b) window.location = b.href; }
      else if (k === 'c') { e.preventDefault(); var c = document.getElementById('comment'); if (c) c.focus(); }
      else if (k === 'z') {
        e.preventDefault();
        post('/undo').then(function (r) { return r.json().then(function (j) { return {ok: r.ok, j: j}; }); })
          .then(function (res) {
            if (!res.ok) { setStatus(res.j.error || 'nothing to undo', true); return; }
            window.location = '/review/' + encodeURIComponent(res.j.item);
          });
      }
    });
    var undo = document.getElementById('undo');
    if (undo) undo.addEventListener('submit', function (e) {
      e.preventDefault();
      document.dispatchEvent(new KeyboardEvent('keydown', {key: 'z'}));
    });
  }

  function judge() {
    var form = document.querySelector('form.judge-form');
    if (!form) return;
    document.addEventListener('keydown', function (e) {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      var b = form.querySelector('button[data-key="' + e.key + '"]');
      if (b) { e.preventDefault(); b.click(); }
    });
  }

  document.addEventListener('DOMContentLoaded', function () { review(); judge(); });
})();
