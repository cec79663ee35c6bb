/** Registry of the inventory rules, in the order they are reported. No logic here. */
import { databaseNames, defaultPasswords, loginWithoutPassword, protectedUsers, userNames } from "./business.js";
import { hbaRules } from "./hba.js";
import { citusIdentity, clusterName, instanceIdentity, nodeAddress, onePrimary, upstream } from "./identity.js";
import type { Rule } from "./rule.js";
import { services, vip } from "./services.js";

export const RULES: readonly Rule[] = [
  clusterName, instanceIdentity, onePrimary, upstream, citusIdentity, nodeAddress,
  userNames, protectedUsers, loginWithoutPassword, defaultPasswords, databaseNames,
  hbaRules, services, vip,
];
