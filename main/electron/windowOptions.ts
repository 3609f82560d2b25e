/**
 * The main window, built from one literal: Electronegativity reads this construction site statically, and
 * windowOptions.test.ts holds the same options to account. Every capability beyond "a web page" goes through
 * the preload bridge. Plain module: the BrowserWindow class is handed in, so tests need no Electron.
 */
export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  backgroundColor: string;
  show: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    nodeIntegrationInSubFrames: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    experimentalFeatures: boolean;
    webviewTag: boolean;
    navigateOnDragDrop: boolean;
    disableBlinkFeatures: string;
    spellcheck: boolean;
    safeDialogs: boolean;
  };
}

export function createMainWindow<W>(BrowserWindow: new (options: WindowOptions) => W, preloadPath: string): W {
  return new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    title: 'Flightdeck',
    backgroundColor: '#0b0f14',
    // Shown on ready-to-show, so the first frame is the app and not a white flash.
    show: false,
    webPreferences: {
      // Reviewed preload (PRELOAD_JS_CHECK asks for exactly that): preload/index.ts exposes only the typed AppClient
      // through contextBridge, never ipcRenderer, and main validates every argument (ipcBridge.ts).
      preload: preloadPath, /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click would open links in new windows without passing the window-open handler's intent.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      safeDialogs: true,
    },
  });
}
