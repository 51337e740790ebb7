# TEST ONLY: screenshots of the harness (FakeBackend) in MiniBrowser via WebKitWebDriver.
# Usage: npm run harness; serve /tmp/gridcase-harness on 127.0.0.1:4456 (python3 -m http.server);
# Xvfb :77 + `DISPLAY=:77 WebKitWebDriver --port=4455`; then `DISPLAY=:77 python3 shoot.py [land|port|desk]...`.
# Needs a CJK font (fonts-wqy-microhei) or Chinese renders as boxes. Output: /tmp/shots/*.png
import json, urllib.request, base64, time, sys, subprocess, os
WD='http://127.0.0.1:4455'
def req(method, path, body=None):
     r = urllib.request.Request(WD+path, method=method, data=json.dumps(body).encode() if body is not None else None, headers={'Content-Type':'application/json'})
     try:
         return json.loads(urllib.request.urlopen(r, timeout=60).read())['value']
     except urllib.error.HTTPError as e:
         print(method, path, e.read()[:400]); raise
caps={'capabilities':{'alwaysMatch':{'browserName':'MiniBrowser','webkitgtk:browserOptions':{'binary':'/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser','args':['--automation']}}}}
sid=req('POST','/session',caps)['sessionId']
S='/session/'+sid
def go(url): req('POST',S+'/url',{'url':url})
def size(w,h): req('POST',S+'/window/rect',{'width':w,'height':h})
def shot(name):
     time.sleep(0.8)
     open(f'/tmp/shots/{name}.png','wb').write(base64.b64decode(req('GET',S+'/screenshot')))
def find(tid):
     return req('POST',S+'/element',{'using':'css selector','value':f'[data-testid="{tid}"]'})
def findcss(css):
     return req('POST',S+'/element',{'using':'css selector','value':css})
def click(el): req('POST',S+f'/element/{list(el.values())[0]}/click',{})
def js(script): return req('POST',S+'/execute/sync',{'script':script,'args':[]})
sizes={'land':(1280,800),'port':(800,1280),'desk':(1440,900)}
which=sys.argv[1:] or list(sizes)
base='http://127.0.0.1:4456/index.html'
try:
 for s in which:
     w,h=sizes[s]; size(w,h)
     go(base+'#signin'); js('location.reload()'); time.sleep(1); shot(f'{s}-signin')
     go(base+'#supervisor'); js('location.reload()'); time.sleep(1.5); shot(f'{s}-sup-list')
     click(findcss('[data-testid^="case-row-"]')); time.sleep(1); shot(f'{s}-sup-detail')
     click(find('action-dispatch')); time.sleep(0.8); shot(f'{s}-sup-action')
     click(find('action-cancel'))
     click(find('nav-map')); time.sleep(1); shot(f'{s}-sup-map')
     click(find('nav-evaluation')); time.sleep(1); shot(f'{s}-sup-eval')
     go(base+'#field'); js('location.reload()'); time.sleep(1.5); shot(f'{s}-field-tasks')
     click(find('new-report')); time.sleep(1); shot(f'{s}-field-new')
     click(find('nav-sync')); shot(f'{s}-field-sync')
     click(find('nav-map')); time.sleep(1); shot(f'{s}-field-map')
finally:
    req('DELETE',S)
