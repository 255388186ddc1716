package dev.athanor.common.spec;

/**
 * One spec field that names a team secret.
 *
 * @param field the field's path as the API names it, e.g. {@code spec.apiKeySecret}
 * @param name  the secret's name within the job's team
 */
public record SecretRef(String field, String name) {
}
