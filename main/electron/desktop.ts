// The Electron shell: one window over the fleet core. The electron module is handed in by main/index.ts (the only
// file that imports it); the decisions applied here (options, CSP, sender checks, menu, attention) are plain modules.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Electron from 'electron';
import type { BrowserWindow, MenuItemConstructorOptions, WebContents } from 'electron';
import { BRIDGE_CHANNELS } from '../../common/app/bridge';
import { AttentionWatcher, type Attention } from './attention';
import type { CoreClientLike, CoreSink } from './coreContract';
import { securityHeaders } from './csp';
import { showBadge, type BadgeTargets } from './dockBadge';
import { serveDesktopShell } from './desktopShell';
import { serveBridge, type IpcMainLike } from './ipcBridge';
import { menuTemplate, type MenuItem } from './menuTemplate';
import { isAllowedNavigation, isExternalWebLink } from './senderCheck';
import { createMainWindow } from './windowOptions';

type ElectronModule = typeof Electron;

export interface DesktopCore {
  openClient(sink: CoreSink): CoreClientLike;
  close(): Promise<void> | void;
}

/** Copy to the clipboard and desktop notifications (new inbox items) are all the page may ask for; the rest is denied. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write', 'notifications']);

export async function runDesktop(electron: ElectronModule, openCore: () => Promise<DesktopCore>): Promise<void> {
  const { app, BrowserWindow, Menu, ipcMain, nativeImage } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  hardenAllWebContents(electron);
  await app.whenReady();
  hardenSession(electron);

  const core = await openCore();
  const bundleDir = import.meta.dirname;
  const preloadPath = join(bundleDir, '../preload/index.cjs');
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const appUrl = devUrl ?? pathToFileURL(join(bundleDir, '../renderer/index.html')).href;

  let window: BrowserWindow | null = null;
  const focusWindow = () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  app.on('second-instance', focusWindow);
  const badge: BadgeTargets = {
    platform: process.platform,
    app,
    window: () => window,
    image: (bitmap, size) => nativeImage.createFromBitmap(bitmap, { width: size, height: size }),
  };

  const watcher = new AttentionWatcher((attention) => notify(electron, attention, () => focusWindow()));
  const watcherClient = core.openClient({ notify: (method, params) => watcher.handle(method, params), output: () => undefined });

  const open = () => {
    const created = createMainWindow(BrowserWindow, preloadPath);
    window = created;
    const contents = created.webContents;
    const client = core.openClient(sinkFor(contents));
    const stopBridge = serveBridge(ipcMain as unknown as IpcMainLike, { webContentsId: contents.id, appUrl, core: client });
    const stopShell = serveDesktopShell(ipcMain as unknown as IpcMainLike, {
      webContentsId: contents.id,
      appUrl,
      shell: { setBadgeCount: (count) => showBadge(badge, count), focusWindow },
    });
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      stopBridge();
      stopShell();
      client.close();
      window = null;
      // No window keeps the count current (macOS keeps the app running): a stale number would mislead.
      showBadge(badge, 0);
    });
    void created.loadURL(appUrl);
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(toElectronMenu(menuTemplate(process.platform, { devtools: !app.isPackaged }), () => window?.webContents)));
  open();

  app.on('activate', () => {
    if (!window) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    watcherClient.close();
    void core.close();
  });
}

function sinkFor(contents: WebContents): CoreSink {
  return {
    notify: (method, params) => {
      if (!contents.isDestroyed()) contents.send(BRIDGE_CHANNELS.notify, method, params);
    },
    output: (key, offset, data) => {
      if (!contents.isDestroyed()) contents.send(BRIDGE_CHANNELS.output, key, offset, data);
    },
  };
}

function hardenAllWebContents({ app, shell }: ElectronModule): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url, contents.getURL())) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links printed by agents open in the user's browser, never inside the app; isExternalWebLink admits
      // only http(s) URLs, so no file:, smb: or custom-scheme handler can be reached from a terminal.
      if (isExternalWebLink(url)) void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
      return { action: 'deny' };
    });
  });
}

function hardenSession({ session }: ElectronModule): void {
  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  defaultSession.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  const headers = securityHeaders();
  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    for (const [name, value] of Object.entries(headers)) responseHeaders[name] = [value];
    callback({ responseHeaders });
  });
}

function notify({ Notification }: ElectronModule, attention: Attention, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: attention.title, body: attention.body, silent: false });
  notification.on('click', onClick);
  notification.show();
}

/** Menu items whose key the page handles itself are replayed into the page when clicked from the menu. */
function toElectronMenu(items: MenuItem[], contents: () => WebContents | undefined): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    const { action, submenu, ...rest } = item;
    const options = { ...rest } as MenuItemConstructorOptions;
    if (submenu) options.submenu = toElectronMenu(submenu, contents);
    if (action && item.accelerator) {
      const accelerator = item.accelerator;
      options.click = () => replayAccelerator(contents(), accelerator);
    }
    return options;
  });
}

function replayAccelerator(contents: WebContents | undefined, accelerator: string): void {
  if (!contents) return;
  const parts = accelerator.split('+');
  const keyCode = parts.pop() ?? '';
  const modifiers = parts.map((part) =>
    part === 'CmdOrCtrl' ? (process.platform === 'darwin' ? 'meta' : 'control') : part.toLowerCase(),
  ) as Array<'shift' | 'control' | 'meta' | 'alt'>;
  contents.sendInputEvent({ type: 'keyDown', keyCode, modifiers });
  contents.sendInputEvent({ type: 'keyUp', keyCode, modifiers });
}
