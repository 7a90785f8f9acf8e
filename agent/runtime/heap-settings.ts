// Imported first by the `convoy` executable, for its side effect: V8 grows the young generation while the
// process loads its modules (libp2p alone is thousands), so the heap settings must apply before any other
// import is evaluated. Every convoy process gets them; the long-running ones (agent, daemon) are the ones they
// matter for.
import { configureHeap } from './heap.ts';

configureHeap();
