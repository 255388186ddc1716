{{- define "athanor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "athanor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "athanor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "athanor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: athanor
{{- end }}

{{- define "athanor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "athanor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: control-plane
{{- end }}

{{- define "athanor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "athanor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Namespace of worker pods and of the Lease. */}}
{{- define "athanor.jobsNamespace" -}}
{{- default .Release.Namespace .Values.jobs.namespace }}
{{- end }}

{{- define "athanor.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Secret holding the bootstrap admin token. */}}
{{- define "athanor.tokenSecretName" -}}
{{- default (printf "%s-admin-token" (include "athanor.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/* Kafka client security, as ATHANOR_KAFKA_CONFIG_* variables (the worker's convention; the control plane reads the same). */}}
{{- define "athanor.kafkaSecurityEnv" -}}
{{- $s := .Values.kafka.security }}
{{- if ne $s.protocol "PLAINTEXT" }}
- name: ATHANOR_KAFKA_CONFIG_SECURITY_PROTOCOL
  value: {{ $s.protocol | quote }}
{{- end }}
{{- if hasPrefix "SASL_" $s.protocol }}
- name: ATHANOR_KAFKA_CONFIG_SASL_MECHANISM
  value: {{ $s.saslMechanism | quote }}
- name: ATHANOR_KAFKA_CONFIG_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.security.saslSecret is required for SASL protocols" $s.saslSecret }}
      key: {{ $s.saslJaasConfigKey }}
{{- end }}
{{- if and (hasSuffix "SSL" $s.protocol) $s.caSecret }}
- name: ATHANOR_KAFKA_CONFIG_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: ATHANOR_KAFKA_CONFIG_SSL_TRUSTSTORE_LOCATION
  value: /etc/athanor/kafka-ca/{{ $s.caKey }}
{{- end }}
{{- end }}
