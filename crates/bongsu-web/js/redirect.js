// Inlined at build time first in the status page's <head>
// (e2e/build/minify.mjs). History and incident links are shown by
// history/, built apart: go there before loading this page's code. (The
// app also does, for any form of such a link this pattern does not cover.)
if (/^#\/history(\?.*)?$|^#\/incidents\/[A-Za-z0-9]/.test(location.hash)) {
  location.replace(`history/${location.hash}`);
}
