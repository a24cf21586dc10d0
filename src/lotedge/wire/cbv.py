"""The Core Business Vocabulary (CBV 2.0) words an EPCIS 2.0 JSON event may write bare, and the
Web URIs they stand for (GS1's JSON-LD context maps each bare word to its URI).

>>> cbv_uri("bizStep", "receiving")
'https://ref.gs1.org/cbv/BizStep-receiving'
>>> cbv_uri("bizStep", "urn:epcglobal:cbv:bizstep:receiving")
'https://ref.gs1.org/cbv/BizStep-receiving'
>>> bare_word("bizStep", "https://ref.gs1.org/cbv/BizStep-shipping"), bare_word("bizStep", "x")
('shipping', 'x')
"""

from __future__ import annotations

import functools

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


BIZ_STEPS = _words(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance "
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
    "entering_exiting holding inspecting installing killing loading other packing picking "
    "receiving removing repackaging repairing replacing reserving retail_selling sampling "
    "sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping"
)
DISPOSITIONS = _words(
    "active available completeness_inferred completeness_verified conformant container_closed "
    "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit "
    "inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement "
    "no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved "
    "retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable "
    "unknown"
)
BIZ_TRANSACTION_TYPES = _words(
    "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
SOURCE_DESTINATION_TYPES = frozenset(("owning_party", "possessing_party", "location"))
ERROR_REASONS = frozenset(("did_not_occur", "incorrect_data"))
SENSOR_COMPONENTS = _words(
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting "
    "northing latitude longitude altitude"
)
MEASUREMENT_TYPES = _words(
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity "
    "Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent "
    "DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity "
    "ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance "
    "KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity "
    "MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration "
    "MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass "
    "MolarVolume Power Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity "
    "Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension "
    "Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux "
    "Wavenumber"
)
SENSOR_EXCEPTIONS = frozenset(("ALARM_CONDITION", "ERROR_CONDITION"))

#: field -> (its bare words, the URI a bare word is appended to, the old CBV 1.x URN prefix).
VOCABULARIES: dict[str, tuple[frozenset[str], str, str | None]] = {
    "bizStep": (BIZ_STEPS, CBV + "BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": (DISPOSITIONS, CBV + "Disp-", "urn:epcglobal:cbv:disp:"),
    "bizTransactionType": (BIZ_TRANSACTION_TYPES, CBV + "BTT-", "urn:epcglobal:cbv:btt:"),
    "sourceDestinationType": (SOURCE_DESTINATION_TYPES, CBV + "SDT-", "urn:epcglobal:cbv:sdt:"),
    "errorReason": (ERROR_REASONS, CBV + "ER-", "urn:epcglobal:cbv:er:"),
    "component": (SENSOR_COMPONENTS, CBV + "Comp-", None),
    "measurementType": (MEASUREMENT_TYPES, GS1_VOC, None),
    "exception": (SENSOR_EXCEPTIONS, GS1_VOC, None),
}

#: Old CBV 1.x URNs and the Web URIs CBV 2.0 replaced them with.
URN_TO_WEB = tuple((urn, web) for _words, web, urn in VOCABULARIES.values() if urn is not None)


def cbv_uri(field: str, value: str) -> str:
    """The Web URI of a vocabulary value: a bare CBV word expanded, a CBV 1.x URN rewritten,
    any other value as it is."""
    words, web, _urn = VOCABULARIES[field]
    if value in words:
        return web + value
    return web_vocabulary(value)


@functools.lru_cache(maxsize=1024)
def bare_word(field: str, value: str) -> str:
    """The bare CBV word of a vocabulary value written in any form (as EPCIS JSON writes it);
    a value that is no CBV word is returned as it is."""
    words, web, _urn = VOCABULARIES[field]
    uri = web_vocabulary(value)
    word = uri.removeprefix(web)
    return word if uri.startswith(web) and word in words else value


def web_vocabulary(text: str) -> str:
    """`text` with every CBV 1.x URN prefix in it rewritten to the CBV 2.0 Web URI."""
    for urn, web in URN_TO_WEB:
        if urn in text:
            text = text.replace(urn, web)
    return text
