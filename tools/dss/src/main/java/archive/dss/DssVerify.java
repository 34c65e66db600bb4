/*
 * dss-verify: EU DSS (the European Commission's Digital Signature Service, the reference
 * implementation of ETSI EN 319 102-1 validation) run as an independent, fully offline
 * verifier of the PAdES signatures in PDF files, so the archive's tests can compare their own
 * verdicts against it.
 *
 *   java -jar dss-verify.jar [--trust ROOT.pem]... [--strict] FILE.pdf...
 *
 * Offline: the CommonCertificateVerifier gets a CommonTrustedCertificateSource holding the
 * --trust certificates and nothing else: no CRL source, no OCSP source, no AIA source (null),
 * no revocation fallback, no revocation checks for untrusted chains. Only what is inside the
 * PDF (its CMS certificates, its DSS/VRI revocation data, its timestamps) is used, so a
 * B-B/B-T signature whose chain has no embedded revocation data comes out INDETERMINATE
 * (TRY_LATER / REVOKED_NO_POE ...) the way it would for any relying party with no network.
 *
 * Output: one JSON document on stdout (files -> signatures / timestamps, taken from DSS's
 * SimpleReport, plus the field name and timestamp type from the DiagnosticData). Logging
 * (slf4j-simple) goes to stderr at WARN. Exit status 0 when the validation ran (whatever the
 * verdicts), 2 on usage errors, 1 when a file could not be read or validated at all (its entry
 * then has an "error" member instead of signatures).
 *
 * --strict: DSS's default validation policy (policy/constraint.xml from dss-policy-jaxb, the
 * one ValidationPolicyLoader.fromDefaultValidationPolicy() loads) only WARNs about most changes
 * made to a PDF after it was signed: of the PDF modification-detection constraints only
 * ByteRange, PdfSignatureDictionary and PdfPageDifference (pages added or removed) FAIL. So by
 * default text or drawing added to a signed page in an incremental update leaves the signature
 * TOTAL_PASSED with a warning. --strict loads that same policy text and raises, wherever they
 * appear (the signature constraints and the timestamp constraints), these constraints from
 * WARN to FAIL:
 *   PdfVisualDifference   - the page as rendered at the signed revision differs from the page
 *                           as rendered in the final file (content drawn after signing);
 *   UndefinedChanges      - objects changed after signing that are neither a signature, form
 *                           fill, annotation nor a DSS/timestamp extension, e.g. a page's
 *                           content stream replaced or extended (DSS has no element called
 *                           "ModificationDetection": this is its catch-all for such changes);
 *   DocMDP                - changes not allowed by a certification signature's /P permissions;
 *   FieldMDP              - changes to fields locked by a signature's FieldMDP transform;
 *   SigFieldLock          - changes to fields locked by a signature field's /Lock dictionary.
 * PdfPageDifference is already FAIL in the default policy (checked, and forced to FAIL too).
 * PdfAnnotationOverlap is left at WARN: Decree 30/2020 has the clerk's agency seal cover
 * about a third of the leader's signature, so a later signature widget overlapping an
 * earlier one is the law's own layout, an allowed annotation, not a change of content.
 * ByteRangeCollision is left at WARN: it is about overlapping byte ranges, not later changes.
 * FormFillChanges and AnnotationChanges (in policy.xsd, absent from the default policy, so not
 * checked) are not added: they would fail every signature followed by a second signature or
 * by a new signature widget, which PAdES allows.
 * With these raised, a signature whose signed revision is followed by content changes fails
 * (TOTAL_FAILED), which is the strict reading the archive wants to compare against; changes
 * that DSS recognises as legitimate extensions (later signatures, DSS dictionaries, document
 * timestamps) are not "undefined" and still pass.
 */
package archive.dss;

import eu.europa.esig.dss.diagnostic.PDFRevisionWrapper;
import eu.europa.esig.dss.diagnostic.SignatureWrapper;
import eu.europa.esig.dss.diagnostic.TimestampWrapper;
import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.enumerations.SignatureLevel;
import eu.europa.esig.dss.enumerations.SubIndication;
import eu.europa.esig.dss.jaxb.object.Message;
import eu.europa.esig.dss.model.FileDocument;
import eu.europa.esig.dss.model.InMemoryDocument;
import eu.europa.esig.dss.model.policy.ValidationPolicy;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.pades.validation.PDFDocumentValidator;
import eu.europa.esig.dss.pdf.pdfbox.PdfBoxDefaultObjectFactory;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.simplereport.jaxb.XmlTimestamp;
import eu.europa.esig.dss.spi.DSSUtils;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.policy.ValidationPolicyLoader;
import eu.europa.esig.dss.validation.reports.Reports;

import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class DssVerify {

    /** Raised from WARN to FAIL by --strict (see the comment at the top). */
    static final String[] STRICT_CONSTRAINTS = {
        "PdfPageDifference", "PdfVisualDifference", "UndefinedChanges",
        "DocMDP", "FieldMDP", "SigFieldLock",
    };

    private static final String USAGE =
        "usage: java -jar dss-verify.jar [--trust ROOT.pem]... [--strict] FILE.pdf...";

    private DssVerify() {
    }

    public static void main(String[] args) {
        // Before any logger exists: slf4j-simple to stderr, warnings and errors only.
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        // PDFBox logs through commons-logging: keep it quiet and on stderr as well.
        setDefault("org.apache.commons.logging.Log", "org.apache.commons.logging.impl.SimpleLog");
        setDefault("org.apache.commons.logging.simplelog.defaultlog", "warn");

        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
            true, StandardCharsets.UTF_8);
        // Nothing but our JSON may reach stdout, whatever a library prints.
        System.setOut(System.err);

        List<String> trust = new ArrayList<>();
        List<String> files = new ArrayList<>();
        boolean strict = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--trust")) {
                if (i + 1 >= args.length) {
                    usage("--trust needs a PEM file");
                    return;
                }
                trust.add(args[++i]);
            } else if (arg.startsWith("--trust=")) {
                trust.add(arg.substring("--trust=".length()));
            } else if (arg.equals("--strict")) {
                strict = true;
            } else if (arg.equals("-h") || arg.equals("--help")) {
                out.println(USAGE);
                System.exit(0);
            } else if (arg.equals("--")) {
                for (i++; i < args.length; i++) {
                    files.add(args[i]);
                }
            } else if (arg.startsWith("--")) {
                usage("unknown option " + arg);
                return;
            } else {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            usage("no PDF file given");
            return;
        }

        CommonTrustedCertificateSource trusted = new CommonTrustedCertificateSource();
        for (String pem : trust) {
            try {
                for (CertificateToken cert : loadPem(new File(pem))) {
                    trusted.addCertificate(cert);
                }
            } catch (Exception e) {
                usage("cannot read trust anchor " + pem + ": " + e);
                return;
            }
        }

        ValidationPolicy policy = null;
        if (strict) {
            try {
                policy = strictPolicy();
            } catch (Exception e) {
                System.err.println("dss-verify: cannot build the strict policy: " + e);
                System.exit(1);
            }
        }

        boolean allRan = true;
        StringBuilder json = new StringBuilder();
        json.append("{\"dss_version\":").append(str(dssVersion()))
            .append(",\"policy\":").append(str(strict ? "strict" : "default"))
            .append(",\"files\":[");
        for (int f = 0; f < files.size(); f++) {
            String name = files.get(f);
            if (f > 0) {
                json.append(',');
            }
            try {
                json.append(validate(name, trusted, policy));
            } catch (Exception | LinkageError e) {
                allRan = false;
                System.err.println("dss-verify: " + name + ": " + e);
                json.append("{\"file\":").append(str(name))
                    .append(",\"error\":").append(str(String.valueOf(e)))
                    .append(",\"signatures\":[],\"timestamps\":[]}");
            }
        }
        json.append("]}");
        out.println(json);
        out.flush();
        System.exit(allRan ? 0 : 1);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static void usage(String why) {
        System.err.println("dss-verify: " + why);
        System.err.println(USAGE);
        System.exit(2);
    }

    /** Every certificate in a PEM file (or a single DER certificate). */
    static List<CertificateToken> loadPem(File file) throws Exception {
        String text = new String(Files.readAllBytes(file.toPath()), StandardCharsets.ISO_8859_1);
        List<CertificateToken> certs = new ArrayList<>();
        Matcher m = Pattern.compile(
            "-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL).matcher(text);
        while (m.find()) {
            certs.add(DSSUtils.loadCertificate(m.group().getBytes(StandardCharsets.US_ASCII)));
        }
        if (certs.isEmpty()) {
            certs.add(DSSUtils.loadCertificate(file));
        }
        return certs;
    }

    /** DSS's default policy with the PDF modification constraints raised from WARN to FAIL. */
    static ValidationPolicy strictPolicy() throws Exception {
        String xml;
        try (InputStream in = DssVerify.class.getResourceAsStream("/policy/constraint.xml")) {
            if (in == null) {
                throw new IllegalStateException("policy/constraint.xml not found in the jar");
            }
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String name : STRICT_CONSTRAINTS) {
            Pattern p = Pattern.compile("<" + name + "\\s+Level=\"(?:WARN|INFORM|IGNORE)\"");
            xml = p.matcher(xml).replaceAll("<" + name + " Level=\"FAIL\"");
            if (!xml.contains("<" + name + " ")) {
                System.err.println("dss-verify: warning: constraint " + name
                    + " is not in this DSS version's default policy");
            }
        }
        return ValidationPolicyLoader
            .fromValidationPolicy(new InMemoryDocument(xml.getBytes(StandardCharsets.UTF_8)))
            .create();
    }

    static String validate(String name, CommonTrustedCertificateSource trusted,
                           ValidationPolicy policy) throws Exception {
        File file = new File(name);
        if (!file.isFile()) {
            throw new java.io.FileNotFoundException(name);
        }
        CommonCertificateVerifier verifier = new CommonCertificateVerifier();
        verifier.setTrustedCertSources(trusted);
        verifier.setCrlSource(null);
        verifier.setOcspSource(null);
        verifier.setAIASource(null);
        verifier.setRevocationFallback(false);
        verifier.setCheckRevocationForUntrustedChains(false);

        PDFDocumentValidator validator = new PDFDocumentValidator(new FileDocument(file));
        validator.setPdfObjFactory(new PdfBoxDefaultObjectFactory());
        validator.setCertificateVerifier(verifier);
        Reports reports = policy == null
            ? validator.validateDocument()
            : validator.validateDocument(policy);
        SimpleReport simple = reports.getSimpleReport();

        StringBuilder sb = new StringBuilder();
        sb.append("{\"file\":").append(str(name)).append(",\"signatures\":[");
        List<String> sigIds = simple.getSignatureIdList();
        Map<String, String> sigTimestamps = new LinkedHashMap<>();
        for (int i = 0; i < sigIds.size(); i++) {
            String id = sigIds.get(i);
            if (i > 0) {
                sb.append(',');
            }
            SignatureWrapper sig = reports.getDiagnosticData().getSignatureById(id);
            String field = null;
            if (sig != null) {
                PDFRevisionWrapper rev = sig.getPDFRevision();
                if (rev != null) {
                    field = rev.getFirstFieldName();
                }
            }
            SignatureLevel level = simple.getSignatureFormat(id);
            sb.append("{\"id\":").append(str(id))
                .append(",\"field\":").append(str(field))
                .append(",\"signed_by\":").append(str(simple.getSignedBy(id)))
                .append(",\"indication\":").append(str(name(simple.getIndication(id))))
                .append(",\"subindication\":").append(str(name(simple.getSubIndication(id))))
                .append(",\"level\":").append(str(level == null ? null : level.toString()))
                .append(",\"best_signature_time\":").append(str(iso(simple.getBestSignatureTime(id))))
                .append(",\"signing_time\":").append(str(iso(simple.getSigningTime(id))))
                .append(",\"errors\":").append(messages(simple.getAdESValidationErrors(id)))
                .append(",\"warnings\":").append(messages(simple.getAdESValidationWarnings(id)))
                .append(",\"infos\":").append(messages(simple.getAdESValidationInfo(id)))
                .append('}');
            for (XmlTimestamp ts : simple.getSignatureTimestamps(id)) {
                sigTimestamps.put(ts.getId(), id);
            }
        }
        sb.append("],\"timestamps\":[");
        // Document timestamps (top level) and signature timestamps, each once.
        Set<String> tsIds = new LinkedHashSet<>(simple.getTimestampIdList());
        tsIds.addAll(sigTimestamps.keySet());
        boolean first = true;
        for (String id : tsIds) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            TimestampWrapper ts = reports.getDiagnosticData().getTimestampById(id);
            sb.append("{\"id\":").append(str(id))
                .append(",\"type\":").append(str(ts == null || ts.getType() == null
                    ? null : ts.getType().name()))
                .append(",\"signature\":").append(str(sigTimestamps.get(id)))
                .append(",\"indication\":").append(str(name(simple.getIndication(id))))
                .append(",\"subindication\":").append(str(name(simple.getSubIndication(id))))
                .append(",\"produced_by\":").append(str(simple.getProducedBy(id)))
                .append(",\"production_time\":").append(str(iso(simple.getProductionTime(id))))
                .append(",\"errors\":").append(messages(simple.getAdESValidationErrors(id)))
                .append(",\"warnings\":").append(messages(simple.getAdESValidationWarnings(id)))
                .append('}');
        }
        sb.append("]}");
        return sb.toString();
    }

    private static String name(Indication indication) {
        return indication == null ? null : indication.name();
    }

    private static String name(SubIndication sub) {
        return sub == null ? null : sub.name();
    }

    private static String iso(Date date) {
        return date == null ? null : date.toInstant().toString();
    }

    private static String messages(List<Message> list) {
        StringBuilder sb = new StringBuilder("[");
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(str(list.get(i).getValue()));
            }
        }
        return sb.append(']').toString();
    }

    private static String dssVersion() {
        Package p = PDFDocumentValidator.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = DssVerify.class.getResourceAsStream(
                "/META-INF/maven/eu.europa.ec.joinup.sd-dss/dss-pades/pom.properties")) {
            if (in != null) {
                java.util.Properties props = new java.util.Properties();
                props.load(in);
                return props.getProperty("version");
            }
        } catch (Exception ignored) {
            // unknown
        }
        return null;
    }

    /** A JSON string literal, or null. */
    static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
