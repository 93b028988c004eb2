// Written by build.mjs from /work/wt-languages/wit: the host import of contract 0.2.0.
export { log } from 'wasm-connect:plugin/host@0.2.0';
