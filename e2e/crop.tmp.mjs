import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const p = await b.newPage({ viewport: { width: 360, height: 900 } });
const [file, y, out] = process.argv.slice(2);
await p.setContent(`<body style="margin:0"><div style="width:360px;height:900px;overflow:hidden;position:relative"><img src="data:image/png;base64,${(await import('node:fs')).readFileSync(file).toString('base64')}" style="position:absolute;top:-${y}px;left:0"></div></body>`);
await p.screenshot({ path: out, clip: { x: 0, y: 0, width: 360, height: 900 } });
await b.close();
