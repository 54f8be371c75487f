/*
 * jit-access console: plain JavaScript over the JSON API at the base path (no build step, no CDN, no inline code,
 * so it runs under the Content-Security-Policy "default-src 'self'").
 *
 * Stable hooks for tests (ids are unique; data-testid marks repeated parts):
 *   #session              "Signed in as alice" (", administrator" when session.admin)
 *   #notice, #problem     aria-live regions: the result of the last action; an API problem's detail
 *   #refresh              polls the API now (it also polls every few seconds)
 *   #request-form         #request-target (rule + resource pattern), #request-resource, #request-actions
 *                         (checkboxes name="action" value=<action>), #request-duration (minutes),
 *                         #request-justification (+ #request-justification-hint with the pattern),
 *                         #request-approval-hint, #request-submit; #request-none when nothing is requestable
 *   #my-requests          li[data-testid=my-request][data-request-id]: [data-testid=request-state] as
 *                         "Pending - 0 of 1 approvals", "Granted", "Denied", ...; button[data-testid=cancel-request]
 *   #my-grants            li[data-testid=my-grant][data-grant-id]: [data-testid=grant-status] as
 *                         "Active - 4:59 left" (ticking each second) or "Ended"; [data-testid=extend-minutes],
 *                         [data-testid=extend-justification], button[data-testid=extend], button[data-testid=release]
 *   #to-review            li[data-testid=review-request][data-request-id]: [data-testid=review-comment],
 *                         button[data-testid=approve] (absent when the API says canApprove is false),
 *                         button[data-testid=deny] (the comment is the reason)
 *   #break-glass-section  (shown when a rule allows break-glass) #break-glass-form, #break-glass-target,
 *                         #break-glass-resource, #break-glass-actions, #break-glass-duration, #break-glass-incident
 *                         (+ #break-glass-incident-hint), #break-glass-justification, #break-glass-submit
 *   #admin-section        (only when session.admin) #admin-grants li[data-testid=admin-grant][data-grant-id] with
 *                         [data-testid=grant-status], [data-testid=revoke-reason], button[data-testid=revoke];
 *                         #admin-reviews li[data-testid=admin-review][data-grant-id] with
 *                         [data-testid=review-state], [data-testid=acknowledge-comment],
 *                         button[data-testid=acknowledge]
 *   #<list>-empty         shown while that list is empty
 *   li[aria-current=true] the request named by the page's #request-<id> fragment (the link notifications carry),
 *                         with p[data-testid=linked-note]
 */
(function () {
  'use strict';

  var POLL_MILLIS = 5000;
  var TICK_MILLIS = 1000;

  // The API lives at the base path, the folder above this script's assets/ folder, whatever the page's own URL.
  var base = new URL('..', document.currentScript.src).href;

  var csrf = null;
  var session = null;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === 'text') {
        node.textContent = value;
      } else {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  // ---- API ----

  function ApiProblem(status, detail) {
    this.status = status;
    this.detail = detail;
  }

  function api(method, path, body) {
    var headers = {Accept: 'application/json, application/problem+json'};
    if (method !== 'GET') {
      if (csrf && csrf.headerName && csrf.token) {
        headers[csrf.headerName] = csrf.token;
      }
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
      }
    }
    return fetch(base + path, {
      method: method,
      headers: headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) {
        return null;
      }
      return response.text().then(function (text) {
        var json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (notJson) {
          json = null;
        }
        if (!response.ok) {
          var detail = json && (json.detail || json.title);
          if (response.status === 401) {
            detail = 'You are signed out. Reload the page to sign in again.';
          }
          throw new ApiProblem(response.status, detail || ('The server answered ' + response.status + '.'));
        }
        return json;
      });
    });
  }

  function notify(message) {
    $('problem').textContent = '';
    $('notice').textContent = message;
  }

  function complain(error) {
    var detail = error instanceof ApiProblem ? error.detail : 'The server cannot be reached: ' + error;
    $('notice').textContent = '';
    $('problem').textContent = detail;
  }

  /** Runs an action: disables its button while it runs, reports the outcome, then polls. */
  function act(button, call, success) {
    if (button) {
      button.disabled = true;
    }
    return call().then(function (result) {
      notify(typeof success === 'function' ? success(result) : success);
    }, complain).then(function () {
      if (button) {
        button.disabled = false;
      }
      return refresh();
    });
  }

  // ---- formatting ----

  function subjectName(subject) {
    return subject ? subject.id : '';
  }

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  function minutes(seconds) {
    var total = Math.floor(seconds / 60);
    if (total >= 60 && total % 60 === 0) {
      return plural(total / 60, 'hour');
    }
    return plural(total, 'minute');
  }

  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (rest < 10 ? '0' : '') + rest;
  }

  function words(state) {
    var text = String(state || '').toLowerCase().replace(/_/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function requestState(request) {
    if (request.state === 'PENDING') {
      var approvals = (request.approvals || []).length;
      return 'Pending - ' + approvals + ' of ' + plural(request.requiredApprovals, 'approval');
    }
    var text = words(request.state);
    if (request.decidedBy) {
      text += ' by ' + subjectName(request.decidedBy);
    }
    if (request.reason) {
      text += ': ' + request.reason;
    }
    return text;
  }

  // ---- keyed lists: rows are kept across polls, so focus and typed text in them survive a refresh ----

  function KeyedList(listId, render) {
    this.list = $(listId);
    this.empty = $(listId + '-empty');
    this.render = render;
    this.rows = new Map();
  }

  /** Shows exactly {@code items} (objects with a key), reusing the rows of keys already shown. */
  KeyedList.prototype.show = function (items) {
    var self = this;
    var keep = new Set();
    var next = self.list.firstChild;
    items.forEach(function (item) {
      keep.add(item.key);
      var row = self.rows.get(item.key);
      if (!row) {
        row = {node: el('li', {'class': 'item'}), parts: {}};
        self.rows.set(item.key, row);
      }
      self.render(row, item);
      // Moved only when out of place: moving a row would take the focus away from a control in it.
      if (row.node === next) {
        next = next.nextSibling;
      } else {
        self.list.insertBefore(row.node, next);
      }
    });
    Array.from(self.rows.keys()).forEach(function (key) {
      if (!keep.has(key)) {
        self.list.removeChild(self.rows.get(key).node);
        self.rows.delete(key);
      }
    });
    self.empty.hidden = items.length > 0;
  };

  var uniqueIds = 0;

  function nextId(prefix) {
    uniqueIds += 1;
    return prefix + '-' + uniqueIds;
  }

  /** A labelled text or number input, wrapped with its label. */
  function labelled(labelText, testId, type, extra) {
    var id = nextId(testId);
    var attributes = {id: id, type: type, 'data-testid': testId, autocomplete: 'off'};
    Object.keys(extra || {}).forEach(function (name) {
      attributes[name] = extra[name];
    });
    var input = el('input', attributes);
    var label = el('label', {'for': id, text: labelText});
    return {input: input, node: el('span', {'class': 'inline-field'}, [label, input])};
  }

  function summary(row, text) {
    if (!row.parts.summary) {
      row.parts.summary = el('p', {'class': 'summary', id: nextId('summary')});
      row.node.appendChild(row.parts.summary);
    }
    row.parts.summary.textContent = text;
    return row.parts.summary.id;
  }

  function detailLine(row, name, text) {
    if (!row.parts[name]) {
      row.parts[name] = el('p', {'class': 'detail'});
      row.node.appendChild(row.parts[name]);
    }
    row.parts[name].textContent = text;
    row.parts[name].hidden = !text;
  }

  function status(row, testId, text, ended) {
    if (!row.parts.status) {
      row.parts.status = el('p', {'class': 'status', 'data-testid': testId});
      row.node.appendChild(row.parts.status);
    }
    row.parts.status.textContent = text;
    row.parts.status.className = 'status ' + (ended ? 'ended' : 'live');
  }

  function what(item) {
    return item.resource + ' - ' + (item.actions || []).join(', ');
  }

  // ---- grants: a countdown from remainingSeconds, ticking locally between polls ----

  /**
   * The grants one list shows. A grant the API stops listing has ended (expired, released or revoked): it stays
   * on the page as "Ended" rather than vanishing, so its holder sees what happened.
   */
  function GrantBoard(listId, render) {
    this.list = new KeyedList(listId, render);
    this.known = new Map();
  }

  GrantBoard.prototype.update = function (grants) {
    var self = this;
    var now = Date.now();
    var listed = new Set();
    grants.forEach(function (grant) {
      listed.add(grant.id);
      self.known.set(grant.id, {
        key: grant.id,
        grant: grant,
        ended: grant.state !== 'ACTIVE',
        deadline: now + grant.remainingSeconds * 1000
      });
    });
    self.known.forEach(function (entry, id) {
      if (!listed.has(id)) {
        entry.ended = true;
      }
    });
    self.tick();
  };

  GrantBoard.prototype.tick = function () {
    this.list.show(Array.from(this.known.values()));
  };

  function grantStatus(entry) {
    var left = (entry.deadline - Date.now()) / 1000;
    if (entry.ended || left <= 0) {
      return {ended: true, text: entry.grant.state && entry.grant.state !== 'ACTIVE'
          ? 'Ended - ' + words(entry.grant.state) : 'Ended'};
    }
    return {ended: false, text: 'Active - ' + clockText(Math.ceil(left)) + ' left'};
  }

  function grantDetail(grant) {
    var parts = [];
    if (grant.breakGlass) {
      parts.push('Break-glass for ' + grant.incidentId);
    }
    if (grant.justification) {
      parts.push('Why: ' + grant.justification);
    }
    parts.push('Until ' + new Date(grant.expiresAt).toLocaleString());
    return parts.join('. ');
  }

  function renderMyGrant(row, entry) {
    var grant = entry.grant;
    row.node.setAttribute('data-testid', 'my-grant');
    row.node.setAttribute('data-grant-id', grant.id);
    var summaryId = summary(row, what(grant));
    detailLine(row, 'detail', grantDetail(grant));
    var state = grantStatus(entry);
    status(row, 'grant-status', state.text, state.ended);
    if (!row.parts.form) {
      var more = labelled('Extend by minutes', 'extend-minutes', 'number', {min: 1, step: 1, value: 30});
      var why = labelled('Justification', 'extend-justification', 'text');
      var extend = el('button', {type: 'submit', 'data-testid': 'extend', 'aria-describedby': summaryId,
        text: 'Extend'});
      var release = el('button', {type: 'button', 'data-testid': 'release', 'aria-describedby': summaryId,
        text: 'Release'});
      var form = el('form', {'class': 'row-actions', novalidate: true}, [more.node, why.node, extend, release]);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        act(extend, function () {
          return api('POST', 'grants/' + encodeURIComponent(grant.id) + '/extend',
              {duration: 'PT' + Number(more.input.value) + 'M', justification: why.input.value});
        }, 'Extended ' + what(grant) + '.');
      });
      release.addEventListener('click', function () {
        act(release, function () {
          return api('POST', 'grants/' + encodeURIComponent(grant.id) + '/release');
        }, 'Released ' + what(grant) + '.');
      });
      row.parts.form = form;
      row.node.appendChild(form);
    }
    row.parts.form.hidden = state.ended;
  }

  function renderAdminGrant(row, entry) {
    var grant = entry.grant;
    row.node.setAttribute('data-testid', 'admin-grant');
    row.node.setAttribute('data-grant-id', grant.id);
    var summaryId = summary(row, subjectName(grant.subject) + ': ' + what(grant));
    detailLine(row, 'detail', grantDetail(grant));
    var state = grantStatus(entry);
    status(row, 'grant-status', state.text, state.ended);
    if (!row.parts.form) {
      var reason = labelled('Reason', 'revoke-reason', 'text', {required: true});
      var revoke = el('button', {type: 'submit', 'data-testid': 'revoke', 'aria-describedby': summaryId,
        text: 'Revoke'});
      var form = el('form', {'class': 'row-actions', novalidate: true}, [reason.node, revoke]);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        if (!reason.input.value.trim()) {
          complain(new ApiProblem(0, 'Give a reason to revoke this grant.'));
          reason.input.focus();
          return;
        }
        act(revoke, function () {
          return api('DELETE', 'grants/' + encodeURIComponent(grant.id) + '?reason='
              + encodeURIComponent(reason.input.value));
        }, 'Revoked ' + subjectName(grant.subject) + "'s grant on " + what(grant) + '.');
      });
      row.parts.form = form;
      row.node.appendChild(form);
    }
    row.parts.form.hidden = state.ended;
  }

  var myGrants = new GrantBoard('my-grants', renderMyGrant);
  var allGrants = new GrantBoard('admin-grants', renderAdminGrant);

  // ---- requests ----

  function requestDetail(request) {
    var parts = ['For ' + minutes(request.durationSeconds)];
    if (request.justification) {
      parts.push('Why: ' + request.justification);
    }
    (request.approvals || []).forEach(function (approval) {
      parts.push('Approved by ' + subjectName(approval.approver)
          + (approval.comment ? ' ("' + approval.comment + '")' : ''));
    });
    parts.push('Asked ' + new Date(request.createdAt).toLocaleString());
    return parts.join('. ');
  }

  function renderMyRequest(row, request) {
    row.node.setAttribute('data-testid', 'my-request');
    row.node.setAttribute('data-request-id', request.id);
    var summaryId = summary(row, what(request));
    detailLine(row, 'detail', requestDetail(request));
    status(row, 'request-state', requestState(request), request.state !== 'PENDING');
    if (!row.parts.cancel) {
      var cancel = el('button', {type: 'button', 'data-testid': 'cancel-request', 'aria-describedby': summaryId,
        text: 'Cancel request'});
      cancel.addEventListener('click', function () {
        act(cancel, function () {
          return api('POST', 'requests/' + encodeURIComponent(request.id) + '/cancel');
        }, 'Cancelled the request for ' + what(request) + '.');
      });
      row.parts.cancel = cancel;
      row.node.appendChild(el('div', {'class': 'row-actions'}, [cancel]));
    }
    row.parts.cancel.hidden = !request.canCancel;
  }

  var myRequests = new KeyedList('my-requests', renderMyRequest);

  function approvalOutcome(result) {
    return result && result.status === 'GRANTED' ? 'Approved: the grant is active.' : 'Approved.';
  }

  function renderReview(row, request) {
    row.node.setAttribute('data-testid', 'review-request');
    row.node.setAttribute('data-request-id', request.id);
    var summaryId = summary(row, subjectName(request.requester) + ' asks for ' + what(request));
    detailLine(row, 'detail', requestDetail(request));
    status(row, 'request-state', requestState(request), false);
    if (!row.parts.form) {
      var comment = labelled('Comment (the reason, to deny)', 'review-comment', 'text');
      var deny = el('button', {type: 'button', 'data-testid': 'deny', 'aria-describedby': summaryId, text: 'Deny'});
      var form = el('form', {'class': 'row-actions', novalidate: true}, [comment.node]);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var approve = row.parts.approve;
        if (!approve) {
          return;
        }
        act(approve, function () {
          return api('POST', 'requests/' + encodeURIComponent(request.id) + '/approve',
              {comment: comment.input.value});
        }, approvalOutcome);
      });
      deny.addEventListener('click', function () {
        if (!comment.input.value.trim()) {
          complain(new ApiProblem(0, 'Give a reason (in the comment) to deny this request.'));
          comment.input.focus();
          return;
        }
        act(deny, function () {
          return api('POST', 'requests/' + encodeURIComponent(request.id) + '/deny', {reason: comment.input.value});
        }, 'Denied the request of ' + subjectName(request.requester) + '.');
      });
      row.parts.form = form;
      row.parts.deny = deny;
      form.appendChild(deny);
      row.node.appendChild(form);
    }
    // The API refuses an approval it does not allow (one's own request); the button is not even offered.
    if (request.canApprove && !row.parts.approve) {
      row.parts.approve = el('button', {type: 'submit', 'data-testid': 'approve', 'aria-describedby': summaryId,
        text: 'Approve'});
      row.parts.form.insertBefore(row.parts.approve, row.parts.deny);
    } else if (!request.canApprove && row.parts.approve) {
      row.parts.form.removeChild(row.parts.approve);
      row.parts.approve = null;
    }
  }

  var toReview = new KeyedList('to-review', renderReview);

  // ---- break-glass reviews (admin) ----

  function renderAdminReview(row, review) {
    row.node.setAttribute('data-testid', 'admin-review');
    row.node.setAttribute('data-grant-id', review.grantId);
    var summaryId = summary(row, subjectName(review.subject) + ': ' + review.resource + ' for incident '
        + review.incidentId);
    detailLine(row, 'detail', 'Granted ' + new Date(review.grantedAt).toLocaleString()
        + (review.endedAt ? '. Ended ' + new Date(review.endedAt).toLocaleString() : '. Still active'));
    var text = (review.acknowledged ? 'Acknowledged' : 'Awaiting review') + (review.endedAt ? ' - ended' : ' - active');
    if (!row.parts.state) {
      row.parts.state = el('p', {'class': 'status', 'data-testid': 'review-state'});
      row.node.appendChild(row.parts.state);
    }
    row.parts.state.textContent = text;
    row.parts.state.className = 'status ' + (review.acknowledged ? 'ended' : 'live');
    if (!row.parts.form) {
      var comment = labelled('Comment', 'acknowledge-comment', 'text');
      var acknowledge = el('button', {type: 'submit', 'data-testid': 'acknowledge', 'aria-describedby': summaryId,
        text: 'Acknowledge'});
      var form = el('form', {'class': 'row-actions', novalidate: true}, [comment.node, acknowledge]);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        act(acknowledge, function () {
          return api('POST', 'reviews/' + encodeURIComponent(review.grantId) + '/acknowledge',
              {comment: comment.input.value});
        }, 'Acknowledged the break-glass grant of ' + subjectName(review.subject) + '.');
      });
      row.parts.form = form;
      row.node.appendChild(form);
    }
    row.parts.form.hidden = review.acknowledged;
  }

  var reviews = new KeyedList('admin-reviews', renderAdminReview);

  // ---- the request and break-glass forms, fed by `requestable` ----

  /**
   * One form over the requestable rules: a select of (rule, resource pattern), the rule's actions as checkboxes,
   * the duration bounded by the rule's maximum. {@code kind} is "request" or "break-glass" (the ids' prefix).
   */
  function RuleForm(kind, rules, maxSecondsOf) {
    this.kind = kind;
    this.rules = rules;
    this.maxSecondsOf = maxSecondsOf;
    this.choices = [];
    var select = $(kind + '-target');
    var self = this;
    select.textContent = '';
    rules.forEach(function (rule) {
      rule.resources.forEach(function (pattern) {
        self.choices.push({rule: rule, pattern: pattern});
        select.appendChild(el('option', {value: String(self.choices.length - 1),
          text: pattern + ' (rule ' + rule.rule + ')'}));
      });
    });
    select.addEventListener('change', function () {
      self.choose();
    });
    this.choose();
  }

  RuleForm.prototype.field = function (name) {
    return $(this.kind + '-' + name);
  };

  RuleForm.prototype.choice = function () {
    return this.choices[Number(this.field('target').value)];
  };

  RuleForm.prototype.choose = function () {
    var choice = this.choice();
    var rule = choice.rule;
    var concrete = choice.pattern.indexOf('*') < 0;
    var resource = this.field('resource');
    resource.value = concrete ? choice.pattern : '';
    this.field('resource-hint').textContent = concrete ? 'Exactly ' + choice.pattern + '.'
        : 'A resource matching ' + choice.pattern + " ('*' is one segment, '**' any number).";

    var actions = this.field('actions');
    Array.from(actions.querySelectorAll('.choice')).forEach(function (node) {
      actions.removeChild(node);
    });
    var kind = this.kind;
    rule.actions.forEach(function (action, index) {
      var id = kind + '-action-' + index;
      actions.appendChild(el('span', {'class': 'choice'}, [
        el('input', {type: 'checkbox', id: id, name: 'action', value: action, checked: rule.actions.length === 1}),
        el('label', {'for': id, text: action})
      ]));
    });

    var maxSeconds = this.maxSecondsOf(rule);
    var maxMinutes = Math.max(1, Math.floor(maxSeconds / 60));
    var duration = this.field('duration');
    duration.max = String(maxMinutes);
    duration.value = String(Math.min(30, maxMinutes));
    this.field('duration-hint').textContent = 'At most ' + minutes(maxSeconds) + '.';
  };

  RuleForm.prototype.values = function () {
    var actions = Array.from(this.field('actions').querySelectorAll('input[name=action]:checked'))
        .map(function (box) {
          return box.value;
        });
    var resource = this.field('resource').value.trim();
    var duration = Number(this.field('duration').value);
    var max = Number(this.field('duration').max);
    if (!resource) {
      throw new ApiProblem(0, 'Name the resource.');
    }
    if (actions.length === 0) {
      throw new ApiProblem(0, 'Choose at least one action.');
    }
    if (!Number.isInteger(duration) || duration < 1 || duration > max) {
      throw new ApiProblem(0, 'The duration must be a whole number of minutes from 1 to ' + max + '.');
    }
    return {resource: resource, actions: actions, duration: 'PT' + duration + 'M'};
  };

  function setUpRequestForm(rules) {
    var form = $('request-form');
    $('request-none').hidden = rules.length > 0;
    form.hidden = rules.length === 0;
    if (rules.length === 0) {
      return;
    }
    var ruleForm = new RuleForm('request', rules, function (rule) {
      return rule.maxDurationSeconds;
    });
    function describe() {
      var rule = ruleForm.choice().rule;
      var justification = $('request-justification');
      justification.required = rule.justificationRequired;
      $('request-justification-hint').textContent = rule.justificationPattern
          ? 'Required. It must match the pattern ' + rule.justificationPattern
          : (rule.justificationRequired ? 'Required.' : 'Optional.');
      $('request-approval-hint').textContent = rule.autoApprove || rule.approvalsRequired === 0
          ? 'Granted at once: no approval needed.'
          : 'Needs ' + plural(rule.approvalsRequired, 'approval') + ' before it is granted.';
    }
    $('request-target').addEventListener('change', describe);
    describe();
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body;
      try {
        body = ruleForm.values();
      } catch (problem) {
        complain(problem);
        return;
      }
      body.justification = $('request-justification').value;
      act($('request-submit'), function () {
        return api('POST', 'requests', body);
      }, function (result) {
        return result && result.status === 'GRANTED'
            ? 'Granted: ' + what(result.grant) + '.'
            : 'Requested ' + body.resource + ': waiting for approval.';
      });
    });
  }

  function setUpBreakGlassForm(rules) {
    var breakGlass = rules.filter(function (rule) {
      return rule.breakGlass;
    });
    $('break-glass-section').hidden = breakGlass.length === 0;
    if (breakGlass.length === 0) {
      return;
    }
    var ruleForm = new RuleForm('break-glass', breakGlass, function (rule) {
      return rule.breakGlassMaxDurationSeconds || rule.maxDurationSeconds;
    });
    function describe() {
      var rule = ruleForm.choice().rule;
      $('break-glass-incident-hint').textContent = rule.incidentPattern
          ? 'It must match the pattern ' + rule.incidentPattern : 'The incident you are responding to.';
    }
    $('break-glass-target').addEventListener('change', describe);
    describe();
    $('break-glass-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var body;
      try {
        body = ruleForm.values();
        body.incidentId = $('break-glass-incident').value.trim();
        if (!body.incidentId) {
          throw new ApiProblem(0, 'Name the incident.');
        }
      } catch (problem) {
        complain(problem);
        return;
      }
      body.justification = $('break-glass-justification').value;
      act($('break-glass-submit'), function () {
        return api('POST', 'break-glass', body);
      }, function (result) {
        return 'Break-glass granted: ' + what(result.grant) + '.';
      });
    });
  }

  // ---- polling ----

  function withKeys(items, key) {
    return (items || []).map(function (item) {
      item.key = item[key];
      return item;
    });
  }

  var polling = null;

  function refresh() {
    if (polling) {
      return polling;
    }
    var calls = [
      api('GET', 'requests/mine').then(function (requests) {
        myRequests.show(withKeys(requests, 'id'));
      }),
      api('GET', 'grants/mine').then(function (grants) {
        myGrants.update(grants || []);
      }),
      api('GET', 'requests/to-review').then(function (requests) {
        toReview.show(withKeys(requests, 'id'));
      })
    ];
    if (session && session.admin) {
      calls.push(api('GET', 'grants').then(function (grants) {
        allGrants.update(grants || []);
      }));
      calls.push(api('GET', 'reviews').then(function (items) {
        reviews.show(withKeys(items, 'grantId'));
      }));
    }
    polling = Promise.all(calls).catch(complain).then(function () {
      polling = null;
      showLinkedRequest();
      document.body.setAttribute('data-refreshed', String(Date.now()));
    });
    return polling;
  }

  // A notification links <base>/#request-<id>: that request is marked (in words too) and focused once it is listed.
  var linkedShown = null;

  function showLinkedRequest() {
    var match = /^#request-(.+)$/.exec(window.location.hash);
    var id = match ? decodeURIComponent(match[1]) : null;
    document.querySelectorAll('li[aria-current]').forEach(function (node) {
      if (node.getAttribute('data-request-id') !== id) {
        node.removeAttribute('aria-current');
        node.classList.remove('linked');
        var note = node.querySelector('[data-testid=linked-note]');
        if (note) {
          node.removeChild(note);
        }
      }
    });
    if (id === null) {
      return;
    }
    var row = Array.from(document.querySelectorAll('li[data-request-id]')).find(function (node) {
      return node.getAttribute('data-request-id') === id;
    });
    if (!row || row.hasAttribute('aria-current')) {
      return;
    }
    row.setAttribute('aria-current', 'true');
    row.classList.add('linked');
    row.insertBefore(el('p', {'class': 'linked-note', 'data-testid': 'linked-note', text: 'The request you followed a link to'}),
        row.firstChild);
    if (linkedShown !== id) {
      linkedShown = id;
      row.setAttribute('tabindex', '-1');
      row.focus();
    }
  }

  function start() {
    window.addEventListener('hashchange', showLinkedRequest);
    $('refresh').addEventListener('click', function () {
      refresh();
    });
    api('GET', 'session').then(function (current) {
      session = current;
      csrf = current.csrf;
      $('session').textContent = 'Signed in as ' + (current.display || subjectName(current.subject))
          + (current.admin ? ', administrator' : '');
      $('admin-section').hidden = !current.admin;
      return api('GET', 'requestable');
    }).then(function (rules) {
      setUpRequestForm(rules || []);
      setUpBreakGlassForm(rules || []);
      return refresh();
    }).catch(complain).then(function () {
      // A tab nobody looks at does not poll; it catches up as soon as it is shown again.
      window.setInterval(function () {
        if (!document.hidden) {
          refresh();
        }
      }, POLL_MILLIS);
      document.addEventListener('visibilitychange', function () {
        if (!document.hidden) {
          refresh();
        }
      });
      window.setInterval(function () {
        myGrants.tick();
        allGrants.tick();
      }, TICK_MILLIS);
    });
  }

  start();
}());
