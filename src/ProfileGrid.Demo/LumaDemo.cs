using ProfileGrid.Demo.Generation;

namespace ProfileGrid.Demo;

/// <summary>
/// The Luma demo dataset: Luma is a sports retailer, Sarah a Luma plus member whose story (ad click,
/// anonymous browsing, sign-in that stitches her cart, call to the call center, purchase, ignored
/// confirmation email with a free-yoga-class offer, push re-message, class attended in store) is
/// told by the events, among a few hundred other customers with varied histories.
/// </summary>
/// <remarks>
/// Deterministic: the same <c>now</c>, <c>people</c> and <c>seed</c> give the same dataset. Every
/// timestamp is in the past relative to <c>now</c> (whole seconds, UTC) and the events are ordered by
/// timestamp. Event ids (<c>luma-000001</c>, ...) follow that order; they do not depend on
/// <c>now</c>, so they are only unique within one dataset (a dataset with another seed reuses them).
/// </remarks>
public static class LumaDemo
{
    public const int DefaultPeople = 300;
    public const int DefaultSeed = 20261123;

    /// <summary>
    /// Generates Sarah's story plus <paramref name="people"/> other customers. The first three of
    /// those are the identity edge cases (<see cref="SharedLaptop"/>, <see cref="MessyContact"/>);
    /// the rest are random.
    /// </summary>
    public static DemoDataset Generate(DateTimeOffset now, int people = DefaultPeople, int seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(people);
        return DatasetGenerator.Generate(now, people, seed);
    }

    /// <summary>Sarah: the running example. Her identities and the key facts of her story.</summary>
    public static class Sarah
    {
        public const string FirstName = "Sarah";
        public const string LastName = "Lee";
        public const string Email = "sarah@luma.example";
        public const string CrmId = "CRM-100042";
        public const string LoyaltyId = "LUMA-PLUS-7781";
        /// <summary>Her mobile number, E.164.</summary>
        public const string Phone = "+14155550142";
        /// <summary>ECID of her laptop browser (signed in months ago when she bought running gear).</summary>
        public const string DeviceLaptop = "52478916203851746093218475610392847561";
        /// <summary>ECID of her phone: anonymous after the ad click until she signs in with her email.</summary>
        public const string DevicePhone = "81036629475018362947105836294710583629";
        public const string LoyaltyTier = "plus";
        public const string City = "San Francisco";
        public const string PreferredStore = "SF-03";
        /// <summary>The ad campaign whose click starts the recent part of her story.</summary>
        public const string AdCampaign = "spring-yoga-2026";
        /// <summary>The campaign of the offer messages (confirmation email, push).</summary>
        public const string OfferCampaign = "plus-member-offer";
        public const string OfferId = "free-yoga-class";
        /// <summary>The yoga shorts in her cart when she signs in, then bought.</summary>
        public const string YogaShortsSku = "YS-204";
        public const string YogaShortsOrderId = "LUMA-ORD-7781042";
        public const string YogaClassId = "SF03-YOGA-BEGINNER-FLOW";
    }

    /// <summary>
    /// Edge case: a family laptop (one ECID) on which two people with different <c>crmId</c>s sign
    /// in at different times. Sign-ins alternate First (about 45 days ago), Second (about 20 days ago),
    /// First (about 6 days ago), Second (about 2 days ago); anonymous browsing follows each sign-in
    /// and the last anonymous session (about 1 day ago) comes after Second's sign-in.
    /// Present when <c>people</c> ≥ 2.
    /// </summary>
    public static class SharedLaptop
    {
        public const string Ecid = "30918274650192837465019283746501928374";
        public const string FirstCrmId = "CRM-100007";
        public const string FirstEmail = "daniel.kim@example.com";
        public const string SecondCrmId = "CRM-100008";
        public const string SecondEmail = "mina.kim@example.com";
    }

    /// <summary>
    /// Edge case: a customer whose phone number and email arrive in non-normalised forms in some
    /// events (and normalised in others); normalisation must map both to one identity each.
    /// Present when <c>people</c> ≥ 3. The phone is a US number (default region US).
    /// </summary>
    public static class MessyContact
    {
        public const string CrmId = "CRM-100013";
        public const string PhoneAsWritten = "(415) 555-0177";
        public const string Phone = "+14155550177";
        public const string EmailAsWritten = "  Jordan.Reyes@Example.COM ";
        public const string Email = "jordan.reyes@example.com";
    }
}
