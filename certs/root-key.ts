import { createPrivateKey, KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { damagedPemReason, isEncryptedKeyPem } from "./pem";

/** Whether `npm run certs` can sign intermediates with the root key, and if not, why. */
export type RootKeyState =
  | { readonly usable: true }
  | { readonly usable: false; readonly reason: "missing" | "encrypted" }
  /** `detail` follows the file name in a message: "is not a PEM private key". */
  | { readonly usable: false; readonly reason: "unusable"; readonly detail: string };

/** Curves npm run certs signs with, by OpenSSL name: WebCrypto name and hash. */
export const SIGNING_CURVES: Readonly<Record<string, readonly [string, string]>> = {
  prime256v1: ["P-256", "SHA-256"],
  secp384r1: ["P-384", "SHA-384"],
};

export function rootKeyState(file: string): RootKeyState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return { usable: false, reason: "unusable", detail: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  if (isEncryptedKeyPem(text)) return { usable: false, reason: "encrypted" };
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    const detail = text.includes("-----BEGIN") ? damagedPemReason(text) : "is not a PEM private key";
    return { usable: false, reason: "unusable", detail };
  }
  const kind = unsupportedKeyKind(key);
  return kind
    ? {
        usable: false,
        reason: "unusable",
        detail: `is a ${kind} key, and npm run certs signs with RSA, P-256 or P-384 keys only`,
      }
    : { usable: true };
}

/** The key's kind when npm run certs cannot sign with it, else undefined. */
export function unsupportedKeyKind(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === "rsa") return undefined;
  const curve = key.asymmetricKeyDetails?.namedCurve ?? "";
  if (key.asymmetricKeyType === "ec" && SIGNING_CURVES[curve]) return undefined;
  return curve || key.asymmetricKeyType || "unknown";
}
