import koffi from 'koffi';

/**
 * The two libc calls Node has no binding for, through koffi (an FFI with prebuilt N-API binaries, so nothing is
 * compiled on install). glibc only: on musl or macOS `libc` is undefined and callers go without.
 */
export interface Libc {
  /** malloc_trim(0): returns every whole free page of malloc's arenas to the system. */
  mallocTrim(): void;
  /** fcntl(fd, F_SETFD, FD_CLOEXEC): the descriptor is not inherited across exec. Throws when fcntl fails. */
  setCloseOnExec(fd: number): void;
}

// The same values in Linux's and the BSDs' headers.
const F_SETFD = 2;
const FD_CLOEXEC = 1;

function load(): Libc | undefined {
  try {
    const library = koffi.load('libc.so.6');
    const mallocTrim = library.func('int malloc_trim(size_t pad)') as (pad: number) => number;
    type Fcntl = (fd: number, cmd: number, type: 'int', arg: number) => number;
    const fcntl = library.func('int fcntl(int fd, int cmd, ...)') as Fcntl;
    return {
      mallocTrim: () => void mallocTrim(0),
      setCloseOnExec: (fd) => {
        if (fcntl(fd, F_SETFD, 'int', FD_CLOEXEC) !== 0) throw new Error(`fcntl(${fd}, F_SETFD, FD_CLOEXEC) failed`);
      },
    };
  } catch {
    return undefined;
  }
}

export const libc: Libc | undefined = load();
