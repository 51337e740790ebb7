# TEST ONLY: screenshots of the map screens with the synthetic basemap (make-basemap.py), in
# MiniBrowser via WebKitWebDriver, like shoot.py. Env: WD (WebDriver URL, default
# http://127.0.0.1:4455), BASE (harness URL, default http://127.0.0.1:4456/index.html).
# Usage: DISPLAY=:77 python3 shoot-maps.py [land|tab|port]...  Output: /tmp/shots/map-*.png
import json, urllib.request, base64, time, sys, os
WD = os.environ.get('WD', 'http://127.0.0.1:4455')
base = os.environ.get('BASE', 'http://127.0.0.1:4456/index.html')
def req(method, path, body=None):
    r = urllib.request.Request(WD + path, method=method, data=json.dumps(body).encode() if body is not None else None, headers={'Content-Type': 'application/json'})
    try:
        return json.loads(urllib.request.urlopen(r, timeout=60).read())['value']
    except urllib.error.HTTPError as e:
        print(method, path, e.read()[:400]); raise
caps = {'capabilities': {'alwaysMatch': {'browserName': 'MiniBrowser', 'webkitgtk:browserOptions': {'binary': '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', 'args': ['--automation']}}}}
sid = req('POST', '/session', caps)['sessionId']
S = '/session/' + sid
os.makedirs('/tmp/shots', exist_ok=True)
def go(url): req('POST', S + '/url', {'url': url}); js('location.reload()'); time.sleep(1.5)
def size(w, h): req('POST', S + '/window/rect', {'width': w, 'height': h})
def shot(name):
    time.sleep(1.2)
    open(f'/tmp/shots/map-{name}.png', 'wb').write(base64.b64decode(req('GET', S + '/screenshot')))
def findcss(css): return req('POST', S + '/element', {'using': 'css selector', 'value': css})
def find(tid): return findcss(f'[data-testid="{tid}"]')
def click(el): req('POST', S + f'/element/{list(el.values())[0]}/click', {})
def keys(el, text): req('POST', S + f'/element/{list(el.values())[0]}/value', {'text': text})
def js(script): return req('POST', S + '/execute/sync', {'script': script, 'args': []})
def attrs(tid): return js(f'var e=document.querySelector(\'[data-testid="{tid}"]\'); var l=e && e.querySelector("[data-testid=basemap-layer]"); return e ? [e.getAttribute("data-tiles-drawn"), e.getAttribute("data-zoom"), e.getAttribute("data-rollup"), l && l.getAttribute("data-first-tile-ms")] : null')
def zoom(n, out=False):
    for _ in range(n):
        click(findcss('.leaflet-control-zoom-out' if out else '.leaflet-control-zoom-in')); time.sleep(0.5)
sizes = {'land': (1280, 800), 'tab': (1024, 1366), 'port': (800, 1280)}
try:
    for s in sys.argv[1:] or ['land', 'tab']:
        size(*sizes[s])
        go(base + '#supervisor'); click(find('nav-map')); time.sleep(1.5)
        shot(f'{s}-sup'); print(s, 'sup', attrs('cases-map'))
        zoom(2, out=True); shot(f'{s}-sup-out'); print(s, 'sup-out', attrs('cases-map'))
        zoom(4); shot(f'{s}-sup-in'); print(s, 'sup-in', attrs('cases-map'))
        zoom(1); shot(f'{s}-sup-in18'); print(s, 'sup-in18', attrs('cases-map'))
        keys(find('place-search-input'), 'qaxk'); time.sleep(1); shot(f'{s}-sup-search')
        keys(find('place-search-input'), '\ue007'); time.sleep(1); shot(f'{s}-sup-search-chosen'); print(s, 'sup-search', attrs('cases-map'))
        go(base + '#supervisor'); click(findcss('[data-testid^="case-row-"]')); time.sleep(1.5)
        js('document.querySelector(\'[data-testid="detail-map"]\').scrollIntoView()'); shot(f'{s}-detail'); print(s, 'detail', attrs('detail-map'))
        go(base + '#supervisor-intake'); click(find('nav-hotline')); time.sleep(1.5)
        el = find('place-search-input'); keys(el, 'zyl'); time.sleep(1); shot(f'{s}-hotline-results')
        keys(el, '\ue015'); keys(el, '\ue007'); time.sleep(1.5)
        js('document.querySelector(\'[data-testid="editor-map"]\').scrollIntoView()'); shot(f'{s}-hotline-chosen')
        print(s, 'hotline', js('return [document.querySelector(\'[data-testid="placement-cell"]\')?.textContent, document.querySelector(\'[data-testid="placement-address"]\')?.textContent]'))
        go(base + '#field'); click(find('new-report')); time.sleep(1); click(find('get-position')); time.sleep(1)
        click(find('category-kind-component')) if js('return !!document.querySelector(\'[data-testid="category-kind-component"]\')') else None
        time.sleep(0.5)
        keys(find('category-search'), '井盖'); time.sleep(1)
        c = js('var e=document.querySelector(\'[data-testid="category-option-01101"]\'); if(e){e.click(); return true} return false')
        time.sleep(1)
        js('document.querySelector(\'[data-testid="editor-map"]\').scrollIntoView()'); shot(f'{s}-newreport'); print(s, 'newreport', c, attrs('editor-map'))
        go(base + '#field'); click(find('nav-map')); time.sleep(1.5); shot(f'{s}-fieldmap'); print(s, 'fieldmap', attrs('cases-map'))
finally:
    req('DELETE', S)
