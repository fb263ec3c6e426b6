// The chat page's behaviour that Gradio does not provide: keep the newest reply in view,
// copy a reply as plain text, jump to a cited source, ask a question on its own, export
// the conversation as Markdown. Everything works by event delegation on the document,
// so it survives Gradio re-rendering the chat.
(function () {
  "use strict";
  if (window.taixinChat) return;
  window.taixinChat = true;

  function chat() { return document.getElementById("tx-chat"); }

  // The page is Chinese whatever the browser's language: Gradio's own labels follow
  // navigator.language, so it is asked for Chinese, and <html lang> is kept at zh-CN.
  try {
    Object.defineProperty(navigator, "language", { get: function () { return "zh-CN"; } });
    Object.defineProperty(navigator, "languages", { get: function () { return ["zh-CN", "zh"]; } });
  } catch (e) { /* a browser that refuses keeps its own language for Gradio's labels */ }

  var LABELS = { "Clear": "清空对话", "chatbot conversation": "问答记录", "Scroll down": "滚动到最新回答",
                 "Like": "有用", "Dislike": "没用", "Copy": "复制", "Copy message": "复制" };

  // Screen readers get each message as text, in Chinese: "问题：…" and "回答：…（出处）",
  // never the reply's markup.
  function fixLabels() {
    var html = document.documentElement;
    if (html.getAttribute("lang") !== "zh-CN") html.setAttribute("lang", "zh-CN");
    var root = chat();
    if (!root) return;
    root.querySelectorAll("[aria-label]").forEach(function (el) {
      var label = el.getAttribute("aria-label");
      var wanted = LABELS[label];
      if (!wanted && /^user's message: /.test(label)) wanted = "问题：" + label.slice(16);
      if (!wanted && /^bot's message: /.test(label)) {
        var text = el.querySelector(".tx-copytext");
        var pending = el.querySelector(".tx-pending");
        wanted = text ? "回答：" + text.textContent : (pending ? "回答：查找中" : "回答");
      }
      if (wanted && wanted !== label) el.setAttribute("aria-label", wanted);
    });
    root.querySelectorAll("[title]").forEach(function (el) {
      var wanted = LABELS[el.getAttribute("title")];
      if (wanted) el.setAttribute("title", wanted);
    });
  }

  // The chat's own scrolling box (inside #tx-chat), or null while everything fits.
  function scrollerOf(el) {
    var root = chat();
    for (var n = el && el.parentElement; n && n !== root; n = n.parentElement) {
      var style = getComputedStyle(n);
      if (/(auto|scroll)/.test(style.overflowY) && n.scrollHeight > n.clientHeight + 1) return n;
    }
    return null;
  }

  // The bubble row of a message: the chat's direct list item holding it.
  function rowOf(el) {
    var row = el.closest(".message-row") || el.closest("[class*='message']") || el;
    return row;
  }

  // Bring the newest exchange into view: the last question at the top of the scroller,
  // so its reply (or the "查找中…" placeholder) reads from the start.
  var lastSeen = "";
  function showNewest() {
    var root = chat();
    if (!root) return;
    var replies = root.querySelectorAll(".tx-reply");
    if (!replies.length) { lastSeen = ""; return; }
    var last = replies[replies.length - 1];
    var key = replies.length + ":" + (last.classList.contains("tx-pending") ? "p" : (last.dataset.turn || "r"));
    if (key === lastSeen) return;
    lastSeen = key;
    var row = rowOf(last);
    var question = row.previousElementSibling || row;
    var scroller = scrollerOf(row);
    if (!scroller) return;
    scroller.scrollTop += question.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
  }

  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; fixLabels(); showNewest(); });
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["lang", "aria-label", "title"] });

  function copyText(text, button) {
    function done() {
      if (!button) return;
      button.dataset.done = "1";
      button.textContent = "已复制";
      setTimeout(function () { delete button.dataset.done; button.textContent = "复制"; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  function setGradioText(id, value) {
    var field = document.querySelector("#" + id + " textarea, #" + id + " input");
    if (!field) return false;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var copy = target.closest(".tx-copy");
    if (copy) {
      var reply = copy.closest(".tx-reply");
      var text = reply && reply.querySelector(".tx-copytext");
      if (text) copyText(text.textContent, copy);
      event.preventDefault();
      return;
    }
    var cite = target.closest(".tx-cite");
    if (cite) {
      // The chat's sanitizer keeps ids and links but drops data attributes: the link names its source.
      var source = document.getElementById((cite.getAttribute("href") || "").replace(/^#/, ""));
      if (source) {
        source.open = true;
        source.scrollIntoView({ block: "nearest", behavior: "smooth" });
        var summary = source.querySelector("summary");
        if (summary) summary.focus();
      }
      event.preventDefault();
      return;
    }
    var alone = target.closest(".tx-alone");
    if (alone) {
      var asked = alone.parentElement && alone.parentElement.querySelector(".tx-alone-text");
      if (asked && setGradioText("tx-alone-q", asked.textContent)) {
        setTimeout(function () {
          var go = document.querySelector("#tx-alone-go");
          if (go) go.click();
        }, 0);
      }
      event.preventDefault();
    }
  }, true);

  // The conversation as Markdown, from each reply's own Markdown (question included).
  window.taixinExport = function () {
    var root = chat();
    var parts = [];
    if (root) {
      root.querySelectorAll(".tx-reply .tx-md").forEach(function (md) { parts.push(md.textContent.trim()); });
    }
    if (!parts.length) return;
    var now = new Date();
    var head = "# 太忻经济区 · 书记访谈问答：对话记录\n\n导出于 " + now.toLocaleString("zh-CN") +
      "。回答均为版面原句摘录，[n] 指向出处。\n\n";
    var blob = new Blob([head + parts.join("\n\n---\n\n") + "\n"], { type: "text/markdown;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "taixin-qa-" + now.toISOString().slice(0, 10) + ".md";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  };
})();
