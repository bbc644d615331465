/**
 * Registers how each Manager proxy is rebuilt in a process that receives
 * one (every proxy names this module), so that a dict holding a list proxy
 * can revive it whichever proxy arrived first.
 *
 * @module
 */

import { registerShareable } from "../shareable.ts";
import { dictProxy } from "./dict.ts";
import { listProxy } from "./list.ts";
import { namespaceProxy } from "./namespace.ts";
import type { Ref } from "./store.ts";

registerShareable("DictProxy", (ref) => dictProxy(ref as Ref));
registerShareable("ListProxy", (ref) => listProxy(ref as Ref));
registerShareable("NamespaceProxy", (ref) => namespaceProxy(ref as Ref));
