import '@xterm/xterm/css/xterm.css';
import './styles.css';
import './views.css';
import { createRoot } from 'react-dom/client';
import { errorMessage } from '../../common/wire/errors';
import { connect } from './client/connect';
import { setClient } from './client/clientRef';
import { syncRuns } from './client/runsSync';
import { syncStore } from './client/sync';
import { App } from './components/App';
import { useStore } from './store/store';
import { routeStreams } from './terminal/registry';

async function start(): Promise<void> {
  const store = useStore.getState();
  try {
    const connection = await connect();
    setClient(connection.client);
    store.setMode(connection.mode);
    routeStreams(connection.client);
    connection.onLost((error) => useStore.getState().setConnection('lost', error?.message ?? null));
    store.setConnection('ready');
    syncRuns(connection.client);
    await syncStore(connection.client);
  } catch (error) {
    store.setConnection('lost', errorMessage(error));
  }
}

createRoot(document.getElementById('root')!).render(<App />);
void start();
