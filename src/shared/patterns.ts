// Patterns of values that several settings share.

/** A DNS host name: dot-separated labels of letters, digits and inner '-', each 1-63 long, 253 in all. */
export const HOST_NAME =
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An e-mail address with a dotted domain, as mail servers deliver to (the local part without quotes or spaces). */
export const EMAIL_ADDRESS =
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
