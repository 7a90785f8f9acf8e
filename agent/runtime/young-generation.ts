// Imported first by the `convoy` executable, for its side effect: V8 grows the young generation while the
// process loads its modules (libp2p alone is thousands), so keepYoungGenerationSmall must run before any
// other import is evaluated. Every convoy process gets it; the long-running ones (agent, daemon) are the
// ones it matters for.
import { keepYoungGenerationSmall } from './heap.ts';

keepYoungGenerationSmall();
